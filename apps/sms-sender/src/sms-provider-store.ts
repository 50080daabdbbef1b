import { randomUUID } from 'node:crypto';
import type {
  ProviderAttemptJournal,
  SettledOutcome,
  SmscRecipientDirectory,
  SmsReportStats,
} from '@app/providers';
import { Pool } from 'pg';

const HOLDING = ['PENDING', 'ACCEPTED', 'IN_DOUBT'];
const PURGE_EVERY_MS = 3_600_000;

/**
 * Postgres side of the SMS failover: the attempt journal (sms_provider_attempt) and the SMSC adapter's
 * recipient directory (the phone of a delivery, from the delivery's own command). It has a small pool of
 * its own: the delivery engine holds a connection and row locks while it calls the providers, and webhook
 * transactions may wait on those locks with connections of the main pool, so journal writes taken from the
 * same pool could starve behind them.
 */
export class PgSmsProviderStore implements ProviderAttemptJournal, SmscRecipientDirectory, SmsReportStats {
  private readonly pool: Pool;
  private readonly purgeTimer: NodeJS.Timeout;
  private closing?: Promise<void>;

  constructor(databaseUrl: string, retentionHours: number) {
    this.pool = new Pool({
      connectionString: databaseUrl,
      max: 4,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      application_name: 'sms-sender-providers',
    });
    // An idle client's error (the database restarting) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.purgeTimer = setInterval(() => {
      this.purge(retentionHours).catch(() => undefined);
    }, PURGE_EVERY_MS).unref();
  }

  async holders(deliveryId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ provider: string }>(
      `SELECT provider FROM sms_provider_attempt WHERE delivery_id = $1 AND outcome = ANY($2::text[])
       GROUP BY provider ORDER BY min(at)`,
      [deliveryId, HOLDING],
    );
    return rows.map((row) => row.provider);
  }

  async begin(deliveryId: string, provider: string): Promise<string> {
    const id = randomUUID();
    await this.pool.query(
      `INSERT INTO sms_provider_attempt (id, delivery_id, provider, outcome) VALUES ($1, $2, $3, 'PENDING')`,
      [id, deliveryId, provider],
    );
    return id;
  }

  async settle(
    attemptId: string,
    outcome: SettledOutcome,
    reason: string | null = null,
    providerMessageId: string | null = null,
  ): Promise<void> {
    await this.pool.query(
      `UPDATE sms_provider_attempt SET outcome = $2, reason = $3, provider_message_id = $4, settled_at = now()
       WHERE id = $1`,
      [attemptId, outcome, reason, providerMessageId],
    );
  }

  async skipped(deliveryId: string, provider: string, reason: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO sms_provider_attempt (id, delivery_id, provider, outcome, reason, settled_at)
       VALUES ($1, $2, $3, 'SKIPPED', $4, now())`,
      [randomUUID(), deliveryId, provider, reason],
    );
  }

  async phonesOf(deliveryIds: string[]): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ id: string; phone: string | null }>(
      `SELECT id, command->'recipient'->>'phone' AS phone FROM delivery
       WHERE id = ANY($1::uuid[]) AND channel = 'SMS'`,
      [deliveryIds.filter(isUuid)],
    );
    return new Map(rows.flatMap((row) => (row.phone ? [[row.id, row.phone] as const] : [])));
  }

  async deliveriesAwaiting(phone: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM delivery WHERE channel = 'SMS' AND state IN ('PENDING', 'SENT')
         AND command->'recipient'->>'phone' = $1
       ORDER BY created_at DESC LIMIT 100`,
      [phone],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Of the messages `provider` accepted since `since` and at least `silenceMs` ago, how many had a report
   * due and how many are still waiting for one or gave up waiting (NO_REPORT_IN_TIME). Counted from the
   * deliveries themselves, so a report that reached another replica counts too.
   */
  async dueReports(
    provider: string,
    since: Date,
    silenceMs: number,
  ): Promise<{ due: number; missing: number }> {
    const { rows } = await this.pool.query<{ due: string; missing: string }>(
      `SELECT count(DISTINCT d.id) AS due,
              count(DISTINCT d.id) FILTER (WHERE d.state = 'SENT' OR d.last_error = 'NO_REPORT_IN_TIME') AS missing
       FROM sms_provider_attempt a JOIN delivery d ON d.id = a.delivery_id
       WHERE a.provider = $1 AND a.outcome = 'ACCEPTED'
         AND a.at > $2 AND a.at < now() - make_interval(secs => $3)`,
      [provider, since, silenceMs / 1000],
    );
    return { due: Number(rows[0]?.due ?? 0), missing: Number(rows[0]?.missing ?? 0) };
  }

  /** Attempts outlive their delivery's retention only as long as the retention itself. */
  async purge(retentionHours: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM sms_provider_attempt WHERE at < now() - make_interval(hours => $1)`,
      [retentionHours],
    );
    return rowCount ?? 0;
  }

  /** Idempotent: the HTTP app and the Kafka microservice both run the shutdown hooks. */
  close(): Promise<void> {
    clearInterval(this.purgeTimer);
    return (this.closing ??= this.pool.end());
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (value: string) => UUID.test(value);
