import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Support search (architecture.md §11.2): find notifications by a phone, an e-Rx / referral number or a person,
 * newest first, on a table of millions.
 *
 * One narrow table of search keys, one row per (key, notification): `PHONE` keys are a keyed hash
 * (HMAC-SHA256, key from the resolver's env) of the normalised number, so no phone is stored in clear for
 * this; `NUMBER` keys are the normalised e-Rx / referral number; `PERSON` keys the subject's and the
 * recipient's person ids. The primary key is also the search index: equality on (kind, key), newest first
 * by a backward scan, LIMIT stops it early.
 *
 * Keys that only need the stored request (NUMBER, the subject's PERSON) are written by a statement trigger on
 * `notification`, so every way a notification is inserted (decided, waiting for its person, a duplicate
 * encounter) is searchable by them. Keys that need the decision or the key (PHONE, the recipient's PERSON)
 * are written by the resolver when it decides. `received_at` is the notification's own `created_at`, so both
 * writers give the same row for the same key.
 */
export class SupportSearch1763900011000 implements MigrationInterface {
  name = 'SupportSearch1763900011000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE notification_search (
      kind text NOT NULL CHECK (kind IN ('PHONE', 'NUMBER', 'PERSON')),
      key text NOT NULL,
      received_at timestamptz NOT NULL,
      event_id uuid NOT NULL,
      notification_id uuid NOT NULL,
      PRIMARY KEY (kind, key, received_at, event_id))`);

    // The one normalisation of an e-Rx / referral number, used by the trigger and by the search query alike:
    // case, spaces and dashes do not matter, and Cyrillic look-alikes typed by mistake count as the Latin letters.
    await db.query(`CREATE FUNCTION support_number_key(raw text) RETURNS text
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT NULLIF(upper(regexp_replace(
          translate(raw, 'АВЕКМНОРСТХІавекмнорстхі', 'ABEKMHOPCTXIabekmhopctxi'), '[^0-9A-Za-z]', '', 'g')), '')
      $$`);
    await db.query(`CREATE FUNCTION notification_search_from_request() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO notification_search (kind, key, received_at, event_id, notification_id)
        SELECT k.kind, k.key, n.created_at, n.event_id, n.id
        FROM inserted n
        CROSS JOIN LATERAL (VALUES
          ('PERSON', n.subject_person_id::text),
          ('NUMBER', support_number_key(n.request->'payload'->>'number'))) AS k(kind, key)
        WHERE k.key IS NOT NULL
        ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$`);
    await db.query(`CREATE TRIGGER notification_search_keys AFTER INSERT ON notification
      REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION notification_search_from_request()`);
    // Notifications from before this migration become searchable by number and person (phones need the
    // resolver's key: only decisions from now on are searchable by phone).
    await db.query(`INSERT INTO notification_search (kind, key, received_at, event_id, notification_id)
      SELECT k.kind, k.key, n.created_at, n.event_id, n.id
      FROM notification n
      CROSS JOIN LATERAL (VALUES
        ('PERSON', n.subject_person_id::text),
        ('NUMBER', support_number_key(n.request->'payload'->>'number'))) AS k(kind, key)
      WHERE k.key IS NOT NULL
      ON CONFLICT DO NOTHING`);

    // The last-24-hours overview reads terminal statuses and fallbacks by time.
    await db.query(
      `CREATE INDEX IF NOT EXISTS notification_status_log_terminal_at ON notification_status_log (at) WHERE is_terminal`,
    );
    await db.query(
      `CREATE INDEX notification_status_log_fallback_at ON notification_status_log (at) WHERE status = 'FALLBACK'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS notification_status_log_fallback_at`);
    await db.query(`DROP INDEX IF EXISTS notification_status_log_terminal_at`);
    await db.query(`DROP TRIGGER IF EXISTS notification_search_keys ON notification`);
    await db.query(`DROP FUNCTION IF EXISTS notification_search_from_request()`);
    await db.query(`DROP FUNCTION IF EXISTS support_number_key(text)`);
    await db.query(`DROP TABLE IF EXISTS notification_search`);
  }
}
