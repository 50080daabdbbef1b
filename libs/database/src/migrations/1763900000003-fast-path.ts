import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What keeps the cost of a notification flat as history grows (ADR 0003): the code purge reads only the
 * terminal statuses that came of age since its last run, and the tables the pipeline churns (outbox rows
 * inserted and deleted, deliveries updated twice each) are vacuumed by size, not by a fraction of a table
 * that only grows.
 */
export class FastPath1763900000003 implements MigrationInterface {
  name = 'FastPath1763900000003';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX IF NOT EXISTS notification_status_log_terminal_at ON notification_status_log (at) WHERE is_terminal`,
    );
    // A queue table: vacuum after a thousand dead rows whatever its size, without cost-based pauses.
    await db.query(`ALTER TABLE outbox_message SET (autovacuum_vacuum_scale_factor = 0,
      autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0, autovacuum_analyze_scale_factor = 0,
      autovacuum_analyze_threshold = 1000)`);
    await db.query(`ALTER TABLE delivery SET (autovacuum_vacuum_scale_factor = 0.02,
      autovacuum_vacuum_threshold = 5000, autovacuum_analyze_scale_factor = 0.02)`);
    await db.query(`ALTER TABLE notification SET (autovacuum_vacuum_scale_factor = 0.02,
      autovacuum_vacuum_threshold = 5000, autovacuum_analyze_scale_factor = 0.02)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS notification_status_log_terminal_at`);
    for (const table of ['outbox_message', 'delivery', 'notification'])
      await db.query(`ALTER TABLE ${table} RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold,
        autovacuum_vacuum_cost_delay, autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)`);
  }
}
