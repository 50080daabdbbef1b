import 'reflect-metadata';
import { createDataSource, preparedName } from '@app/database';
import type { DataSource } from 'typeorm';

jest.setTimeout(60_000);

/** What the session of the pool's one connection has prepared (pg_prepared_statements is per session). */
async function prepared(db: DataSource): Promise<{ name: string; statement: string }[]> {
  return db.query(`SELECT name, statement FROM pg_prepared_statements ORDER BY name`);
}

describe('prepared statements (real Postgres)', () => {
  let db: DataSource;

  beforeAll(async () => {
    // One connection, so every query below runs in the session whose prepared statements we read.
    db = createDataSource(process.env.DATABASE_URL!, 1);
    await db.initialize();
  });

  afterAll(() => db.destroy());

  it('prepares a parameterised query once per connection under one name, and reuses it', async () => {
    const text = `SELECT $1::int + 1 AS next /* prepared-statements spec */`;
    expect(await db.query(text, [41])).toEqual([{ next: 42 }]);
    expect(await db.query(text, [1])).toEqual([{ next: 2 }]);
    const mine = (await prepared(db)).filter((row) => row.statement === text);
    expect(mine).toEqual([{ name: preparedName(text), statement: text }]);
  });

  it('leaves queries without parameters unnamed', async () => {
    const text = `SELECT 7 AS seven /* prepared-statements spec */`;
    expect(await db.query(text)).toEqual([{ seven: 7 }]);
    expect((await prepared(db)).some((row) => row.statement === text)).toBe(false);
  });

  it('keeps database errors as they were: SQLSTATE on the error, the next query unaffected', async () => {
    await expect(
      db.query(`SELECT 1 / $1::int AS x /* prepared-statements spec */`, [0]),
    ).rejects.toMatchObject({ driverError: { code: '22012' } });
    expect(await db.query(`SELECT $1::text AS echo`, ['ok'])).toEqual([{ echo: 'ok' }]);
  });
});
