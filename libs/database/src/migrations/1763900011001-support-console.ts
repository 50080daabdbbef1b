import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The support console's own tables (architecture.md §11.3): staff accounts, sessions, failed sign-ins (for
 * the rate limit) and the audit log of every lookup.
 *
 * The audit log is append-only in the database itself: triggers refuse UPDATE, DELETE and TRUNCATE for
 * every role, the console's included. The role `esoz_support_console` is what the console should connect as
 * in production (a login role granted to it): it may read and add audit rows, manage accounts and sessions,
 * and nothing else; it owns no table, so it cannot drop the triggers, and it cannot read notifications
 * (the console asks the resolver's support API for those).
 */
export class SupportConsole1763900011001 implements MigrationInterface {
  name = 'SupportConsole1763900011001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE support_staff (
      id uuid PRIMARY KEY,
      login text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
      password_hash text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      password_changed_at timestamptz NOT NULL DEFAULT now(),
      disabled_at timestamptz)`);

    // The cookie holds a random token; only its SHA-256 is stored, so a copy of this table opens no session.
    await db.query(`CREATE TABLE support_session (
      token_hash text PRIMARY KEY,
      staff_id uuid NOT NULL REFERENCES support_staff (id) ON DELETE CASCADE,
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL)`);
    await db.query(`CREATE INDEX support_session_expires ON support_session (expires_at)`);

    await db.query(`CREATE TABLE support_sign_in_failure (
      id bigserial PRIMARY KEY,
      login text NOT NULL,
      address text NOT NULL,
      at timestamptz NOT NULL DEFAULT now())`);
    await db.query(`CREATE INDEX support_sign_in_failure_login ON support_sign_in_failure (login, at)`);
    await db.query(`CREATE INDEX support_sign_in_failure_address ON support_sign_in_failure (address, at)`);

    await db.query(`CREATE TABLE support_audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      staff_id uuid,
      login text NOT NULL,
      action text NOT NULL CHECK (action IN
        ('SIGN_IN', 'SIGN_IN_FAILED', 'SIGN_IN_THROTTLED', 'SIGN_OUT', 'SEARCH', 'OPEN', 'OVERVIEW')),
      query jsonb,
      event_ids uuid[] NOT NULL DEFAULT '{}',
      address text)`);
    await db.query(`CREATE INDEX support_audit_log_at ON support_audit_log (at)`);
    await db.query(`CREATE INDEX support_audit_log_login ON support_audit_log (login, at)`);
    await db.query(`CREATE FUNCTION support_audit_log_refuse_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'support_audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`CREATE TRIGGER support_audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON support_audit_log
      FOR EACH ROW EXECUTE FUNCTION support_audit_log_refuse_change()`);
    await db.query(`CREATE TRIGGER support_audit_log_no_truncate BEFORE TRUNCATE ON support_audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION support_audit_log_refuse_change()`);

    // Roles are per cluster and need CREATEROLE: skipped (with a notice) where the migrating user lacks it.
    await db.query(`DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'esoz_support_console') THEN
          CREATE ROLE esoz_support_console NOLOGIN;
        END IF;
        GRANT SELECT, INSERT ON support_audit_log TO esoz_support_console;
        GRANT USAGE ON SEQUENCE support_audit_log_id_seq, support_sign_in_failure_id_seq TO esoz_support_console;
        GRANT SELECT, INSERT, UPDATE, DELETE ON support_staff, support_session, support_sign_in_failure
          TO esoz_support_console;
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'role esoz_support_console not created: %', SQLERRM;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['support_audit_log', 'support_sign_in_failure', 'support_session', 'support_staff'])
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.query(`DROP FUNCTION IF EXISTS support_audit_log_refuse_change()`);
  }
}
