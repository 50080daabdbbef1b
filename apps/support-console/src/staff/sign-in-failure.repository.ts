import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RecentFailures } from './sign-in-throttle';

/** support_sign_in_failure: failed sign-ins of the last window, by login and by address (shared by replicas). */
@Injectable()
export class SignInFailureRepository {
  constructor(private readonly dataSource: DataSource) {}

  async record(login: string, address: string): Promise<void> {
    await this.dataSource.query(`INSERT INTO support_sign_in_failure (login, address) VALUES ($1, $2)`, [
      login,
      address,
    ]);
  }

  async recent(login: string, address: string, windowSeconds: number): Promise<RecentFailures> {
    const [row] = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE login = $1)::int AS for_login,
              count(*) FILTER (WHERE address = $2)::int AS for_address,
              min(at) FILTER (WHERE login = $1) AS oldest_for_login,
              min(at) FILTER (WHERE address = $2) AS oldest_for_address
       FROM support_sign_in_failure
       WHERE at > now() - make_interval(secs => $3) AND (login = $1 OR address = $2)`,
      [login, address, windowSeconds],
    );
    return {
      forLogin: row.for_login,
      forAddress: row.for_address,
      oldestForLogin: row.oldest_for_login ?? undefined,
      oldestForAddress: row.oldest_for_address ?? undefined,
    };
  }

  /** After a good sign-in the login starts afresh (the address keeps its count); old rows go. */
  async clear(login: string, windowSeconds: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM support_sign_in_failure WHERE login = $1 OR at <= now() - make_interval(secs => $2)`,
      [login, windowSeconds],
    );
  }
}
