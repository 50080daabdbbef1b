import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Slip1763900000001 implements MigrationInterface {
  name = 'Slip1763900000001';

  async up(db: QueryRunner): Promise<void> {
    // The slip is not stored as a PDF (it prints the code in clear): the command with the sealed code is,
    // and the deterministic renderer makes the same PDF each time the MIS downloads it.
    await db.query(`CREATE TABLE slip (
      event_id uuid PRIMARY KEY,
      notification_id uuid NOT NULL,
      delivery_id uuid NOT NULL UNIQUE,
      command jsonb NOT NULL,
      rendered_at timestamptz NOT NULL,
      printed_at timestamptz,
      purge_after timestamptz NOT NULL)`);
    await db.query(`CREATE INDEX slip_purge ON slip (purge_after)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS slip`);
  }
}
