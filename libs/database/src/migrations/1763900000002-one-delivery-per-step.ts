import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One delivery per event, channel and plan step, whatever its delivery id: a command produced twice (a
 * replayed outbox row, a second resolver fed the same event) can never reach the patient twice.
 */
export class OneDeliveryPerStep1763900000002 implements MigrationInterface {
  name = 'OneDeliveryPerStep1763900000002';

  async up(db: QueryRunner): Promise<void> {
    // Databases from before this rule may hold such duplicates; the later copy is the one that should not exist.
    await db.query(`DELETE FROM delivery d USING delivery e
      WHERE d.event_id = e.event_id AND d.channel = e.channel AND (d.command->>'step') = (e.command->>'step')
        AND (d.created_at, d.id) > (e.created_at, e.id)`);
    await db.query(
      `CREATE UNIQUE INDEX delivery_one_per_step ON delivery (event_id, channel, ((command->>'step')::int))`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS delivery_one_per_step`);
  }
}
