import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each SMS delivery's attempts across providers (docs/decisions/0004-sms-provider-failover.md). A row is
 * written PENDING before the provider is called and settled after; a delivery with a PENDING, ACCEPTED or
 * IN_DOUBT attempt at one provider is only ever resent to that provider. It is also the delivery's history
 * of which provider was tried, skipped (and why) and took the message. No phone, no text.
 */
export class SmsProviderAttempts1763900001001 implements MigrationInterface {
  name = 'SmsProviderAttempts1763900001001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE sms_provider_attempt (
      id uuid PRIMARY KEY,
      delivery_id uuid NOT NULL,
      provider text NOT NULL,
      outcome text NOT NULL CHECK (outcome IN ('PENDING', 'ACCEPTED', 'REJECTED', 'NOT_SENT', 'IN_DOUBT', 'SKIPPED')),
      reason text,
      provider_message_id text,
      at timestamptz NOT NULL DEFAULT now(),
      settled_at timestamptz)`);
    await db.query(`CREATE INDEX sms_provider_attempt_delivery ON sms_provider_attempt (delivery_id, at)`);
    await db.query(`CREATE INDEX sms_provider_attempt_at ON sms_provider_attempt (at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS sms_provider_attempt`);
  }
}
