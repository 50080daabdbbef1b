import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contract §11.1: an event that fails validation but whose event id reads as a uuid is REJECTED once. Its
 * notification row (state REJECTED) takes the event id, so the unique event id makes a repeat of the bad
 * event, or a later valid event with the same id, a no-op, as for any other event. Such an event may have
 * no readable type or subject, hence the two columns become nullable (every other state still has both).
 */
export class RejectedEvents1763900001000 implements MigrationInterface {
  name = 'RejectedEvents1763900001000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE notification ALTER COLUMN type DROP NOT NULL`);
    await db.query(`ALTER TABLE notification ALTER COLUMN subject_person_id DROP NOT NULL`);
    await db.query(`ALTER TABLE notification ADD CONSTRAINT notification_type_subject_unless_rejected
      CHECK (state = 'REJECTED' OR (type IS NOT NULL AND subject_person_id IS NOT NULL))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE notification DROP CONSTRAINT IF EXISTS notification_type_subject_unless_rejected`,
    );
    await db.query(`DELETE FROM notification WHERE type IS NULL OR subject_person_id IS NULL`);
    await db.query(`ALTER TABLE notification ALTER COLUMN type SET NOT NULL`);
    await db.query(`ALTER TABLE notification ALTER COLUMN subject_person_id SET NOT NULL`);
  }
}
