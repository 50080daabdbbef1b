import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1763900000000 implements MigrationInterface {
  name = 'Initial1763900000000';

  async up(db: QueryRunner): Promise<void> {
    // Transactional outbox: state changes and the messages they cause commit together; a relay publishes.
    await db.query(`CREATE TABLE outbox_message (
      id bigserial PRIMARY KEY,
      topic text NOT NULL,
      key text,
      value text NOT NULL,
      headers jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now())`);

    // Every status we emitted, for the support timeline. The partial unique index is the database's own
    // guarantee of exactly one terminal status per event.
    await db.query(`CREATE TABLE notification_status_log (
      id bigserial PRIMARY KEY,
      event_id uuid NOT NULL,
      notification_id uuid,
      status text NOT NULL,
      channel text,
      reason text,
      recipient jsonb,
      is_terminal boolean NOT NULL,
      at timestamptz NOT NULL)`);
    await db.query(`CREATE INDEX notification_status_log_event ON notification_status_log (event_id, id)`);
    await db.query(
      `CREATE UNIQUE INDEX notification_status_log_one_terminal ON notification_status_log (event_id) WHERE is_terminal`,
    );

    // Resolver read model of esoz.person.v1 (the snapshot as received, validated).
    await db.query(`CREATE TABLE person (
      id uuid PRIMARY KEY,
      snapshot jsonb NOT NULL,
      updated_at timestamptz NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now())`);

    await db.query(`CREATE TABLE notification (
      id uuid PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE,
      type text NOT NULL,
      subject_person_id uuid NOT NULL,
      encounter_id uuid,
      state text NOT NULL,
      request jsonb NOT NULL,
      decision jsonb,
      wait_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      resolved_at timestamptz,
      purge_after timestamptz)`);
    await db.query(
      `CREATE INDEX notification_waiting ON notification (subject_person_id) WHERE state = 'WAITING_FOR_PERSON'`,
    );
    await db.query(
      `CREATE INDEX notification_wait_until ON notification (wait_until) WHERE state = 'WAITING_FOR_PERSON'`,
    );
    // eHealth's cost rule: one referral notification per encounter.
    await db.query(`CREATE UNIQUE INDEX notification_one_per_encounter ON notification (encounter_id)
      WHERE type = 'SERVICE_REQUEST_CREATED' AND encounter_id IS NOT NULL AND state <> 'DUPLICATE_ENCOUNTER'`);

    // One row per channel attempt; durable timers (next_attempt_at, report_deadline_at) survive restarts.
    await db.query(`CREATE TABLE delivery (
      id uuid PRIMARY KEY,
      notification_id uuid NOT NULL,
      event_id uuid NOT NULL,
      channel text NOT NULL,
      state text NOT NULL,
      command jsonb NOT NULL,
      provider_message_id text,
      attempts int NOT NULL DEFAULT 0,
      next_attempt_at timestamptz,
      report_deadline_at timestamptz,
      last_error text,
      late_report text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz)`);
    await db.query(
      `CREATE INDEX delivery_due ON delivery (channel, next_attempt_at) WHERE state = 'PENDING'`,
    );
    await db.query(
      `CREATE INDEX delivery_awaiting_report ON delivery (channel, report_deadline_at) WHERE state = 'SENT'`,
    );
    await db.query(
      `CREATE UNIQUE INDEX delivery_provider_message ON delivery (channel, provider_message_id) WHERE provider_message_id IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['delivery', 'notification', 'person', 'notification_status_log', 'outbox_message']) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
