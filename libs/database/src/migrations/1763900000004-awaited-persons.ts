import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An event waits for a confidant whose snapshot is not here yet, as it waits for an unknown subject: the
 * persons it waits for are kept on the row and found by the snapshot that brings one of them.
 */
export class AwaitedPersons1763900000004 implements MigrationInterface {
  name = 'AwaitedPersons1763900000004';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE notification ADD COLUMN IF NOT EXISTS awaiting_person_ids uuid[]`);
    await db.query(`CREATE INDEX IF NOT EXISTS notification_awaiting_persons ON notification
      USING gin (awaiting_person_ids) WHERE state = 'WAITING_FOR_PERSON'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS notification_awaiting_persons`);
    await db.query(`ALTER TABLE notification DROP COLUMN IF EXISTS awaiting_person_ids`);
  }
}
