import type { Client } from 'pg';
import { sleep } from './net';

/** Waits until the resolver's read model holds every one of `ids`: an event for an unknown person would wait. */
export async function waitForPersons(db: Client, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ count: string }>(
      `SELECT count(*) FROM person WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    if (Number(rows[0].count) === ids.length) return;
    if (Date.now() > deadline)
      throw new Error(
        `only ${rows[0].count} of ${ids.length} persons reached the resolver's read model in ${timeoutMs / 1000} s`,
      );
    await sleep(200);
  }
}
