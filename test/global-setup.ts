import 'reflect-metadata';
import { runMigrations } from '../libs/database/src/migrate';
import { ensureContractTopics } from '../tools/ensure-topics';

/** Runs once before the integration suites: schema and topics on the infrastructure scripts/test.sh started. */
export default async function globalSetup(): Promise<void> {
  process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/esoz_notify_test';
  process.env.KAFKA_BROKERS ??= '127.0.0.1:9092';
  await runMigrations(process.env.DATABASE_URL);
  await ensureContractTopics(process.env);
}
