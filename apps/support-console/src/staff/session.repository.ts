import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface SessionRecord {
  token_hash: string;
  staff_id: string;
  login: string;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  disabled_at: Date | null;
}

/** support_session: keyed by the SHA-256 of the cookie's token, never the token itself. */
@Injectable()
export class SessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(session: {
    tokenHash: string;
    staffId: string;
    csrfToken: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO support_session (token_hash, staff_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)`,
      [session.tokenHash, session.staffId, session.csrfToken, session.expiresAt],
    );
  }

  async find(tokenHash: string): Promise<SessionRecord | undefined> {
    const [row] = await this.dataSource.query(
      `SELECT s.token_hash, s.staff_id, t.login, s.csrf_token, s.created_at, s.last_seen_at, t.disabled_at
       FROM support_session s JOIN support_staff t ON t.id = s.staff_id WHERE s.token_hash = $1`,
      [tokenHash],
    );
    return row;
  }

  /** Written at most every few seconds per session: the idle clock does not need every request. */
  async touch(tokenHash: string, now: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE support_session SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2::timestamptz - interval '5 seconds'`,
      [tokenHash, now],
    );
  }

  async delete(tokenHash: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM support_session WHERE token_hash = $1`, [tokenHash]);
  }

  async deleteExpired(now: Date, idleSeconds: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM support_session WHERE expires_at <= $1::timestamptz OR last_seen_at <= $1::timestamptz - make_interval(secs => $2)`,
      [now, idleSeconds],
    );
  }
}
