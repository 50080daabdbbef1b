import { createDataSource } from './data-source';

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

if (require.main === module) {
  // eslint-disable-next-line no-restricted-properties -- the one-shot migration command reads its single setting here
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/esoz_notify';
  runMigrations(url).then(
    (applied) => console.log(JSON.stringify({ msg: 'migrations applied', applied })),
    (error: Error) => {
      console.error(JSON.stringify({ msg: 'migration failed', error: error.message }));
      process.exit(1);
    },
  );
}
