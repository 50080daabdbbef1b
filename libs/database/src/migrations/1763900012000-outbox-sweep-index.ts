import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The relay's crash-net sweep looks for outbox rows older than a few seconds, every few seconds in every
 * app. Without an index that was a sequential scan of a queue table full of rows not yet vacuumed: 13-27 ms
 * per sweep under load (pg_stat_statements), several sweeps a second across the apps. A b-tree on the
 * insert time only ever grows at its right edge, so it costs the insert little.
 */
export class OutboxSweepIndex1763900012000 implements MigrationInterface {
  name = 'OutboxSweepIndex1763900012000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX IF NOT EXISTS outbox_message_created_at ON outbox_message (created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS outbox_message_created_at`);
  }
}
