import type { MigrationInterface, QueryRunner } from 'typeorm';

/** At most one LATE_DELIVERED correction per event, held by the database like the one terminal status. */
export class LateDelivered1763900000005 implements MigrationInterface {
  name = 'LateDelivered1763900000005';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE UNIQUE INDEX IF NOT EXISTS notification_status_log_one_late_delivered
      ON notification_status_log (event_id) WHERE status = 'LATE_DELIVERED'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS notification_status_log_one_late_delivered`);
  }
}
