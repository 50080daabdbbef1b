import { createDataSource, MIGRATIONS } from './data-source';

// Any fixed number works; it only has to be the same for every runner so two never migrate at once.
const MIGRATION_LOCK = 4_242_001;

/** Applies pending migrations under a Postgres advisory lock. Returns the names applied. */
export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = createDataSource(url, 2, 'esoz-notify-migrate');
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
    await dataSource.destroy();
  }
}

/** Names of this build's migrations that the database has not applied yet (all of them on an empty one). */
export async function pendingMigrations(url: string): Promise<string[]> {
  const dataSource = createDataSource(url, 1, 'esoz-notify-migrate-wait');
  await dataSource.initialize();
  try {
    const [{ present }]: { present: boolean }[] = await dataSource.query(
      `SELECT to_regclass('schema_migrations') IS NOT NULL AS present`,
    );
    const applied = new Set<string>(
      present
        ? ((await dataSource.query(`SELECT name FROM schema_migrations`)) as { name: string }[]).map(
            (row) => row.name,
          )
        : [],
    );
    return MIGRATIONS.map((migration) => migration.name).filter((name) => !applied.has(name));
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Waits until every migration of this build is applied (by the migration Job), without applying any: the
 * init container of every app's pod, so a new version never runs on the old schema.
 */
export async function waitForMigrations(url: string, timeoutMs: number, pollMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const pending = await pendingMigrations(url);
      if (pending.length === 0) return;
      last = `pending: ${pending.join(', ')}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`migrations not applied after ${timeoutMs} ms (${last})`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

if (require.main === module) {
  // eslint-disable-next-line no-restricted-properties -- the one-shot migration command reads its settings here
  const env = process.env;
  const url = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/esoz_notify';
  if (process.argv.includes('--wait')) {
    const timeoutMs = Number(env.MIGRATE_WAIT_SECONDS ?? 600) * 1000;
    waitForMigrations(url, timeoutMs).then(
      () => console.log(JSON.stringify({ msg: 'schema up to date' })),
      (error: Error) => {
        console.error(JSON.stringify({ msg: 'schema not up to date', error: error.message }));
        process.exit(1);
      },
    );
  } else
    runMigrations(url).then(
      (applied) => console.log(JSON.stringify({ msg: 'migrations applied', applied })),
      (error: Error) => {
        console.error(JSON.stringify({ msg: 'migration failed', error: error.message }));
        process.exit(1);
      },
    );
}
