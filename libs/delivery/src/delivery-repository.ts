import type { Channel, DeliveryCommand } from '@app/contracts';
import type { DataSource } from 'typeorm';
import { type Consequences, type GuardedChange, writeChange, type WriteResult } from './outbox';

export const DeliveryState = {
  PENDING: 'PENDING',
  SENT: 'SENT',
  DELIVERED: 'DELIVERED',
  FELL_BACK: 'FELL_BACK',
  FAILED: 'FAILED',
  EXPIRED: 'EXPIRED',
} as const;
export type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];

export interface DeliveryRow {
  id: string;
  event_id: string;
  notification_id: string;
  state: DeliveryState;
  command: DeliveryCommand;
  attempts: number;
  provider_message_id: string | null;
}

/**
 * One step of a delivery's state machine, decided on the row as it was read (`from`). It is written only if
 * the row is still in that state with that attempt count, so two writers that race (the attempt and a fast
 * report, two replicas' timers) never both move a delivery: the loser's write changes nothing.
 */
export interface Transition {
  id: string;
  from: { state: DeliveryState; attempts: number };
  state: DeliveryState;
  attempts: number;
  providerMessageId?: string;
  /** Timers not named here are cleared: each state has at most one running timer. */
  nextAttemptAt?: Date;
  reportDeadlineAt?: Date;
  lastError?: string;
  finished?: boolean;
}

export interface DueTimers {
  /** The earliest retry of a PENDING delivery. */
  attemptAt?: number;
  /** The earliest report deadline of a SENT delivery. */
  deadlineAt?: number;
}

const ROW = `id, event_id, notification_id, state, command, attempts, provider_message_id`;

/** The SQL of the delivery aggregate (table `delivery`), for one channel. */
export class DeliveryRepository {
  constructor(
    private readonly db: DataSource,
    private readonly channel: Exclude<Channel, 'SLIP'>,
  ) {}

  /**
   * Stores commands idempotently as PENDING and returns the ids that are new. A redelivered command (same
   * delivery id) and a second command for the same event, channel and step are both no-ops: ON CONFLICT
   * without a target covers the primary key and the one-delivery-per-step index alike. The retry time is a
   * lease: the caller attempts the new rows itself, and only if it dies first does a timer pass take them.
   */
  async insertPending(commands: DeliveryCommand[], leaseSeconds: number): Promise<Set<string>> {
    if (commands.length === 0) return new Set();
    const rows = (await this.db.query(
      `INSERT INTO delivery (id, notification_id, event_id, channel, state, command, next_attempt_at)
       SELECT d.id, d.notification_id, d.event_id, $4, 'PENDING', d.command, now() + make_interval(secs => $6)
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $5::jsonb[]) AS d(id, notification_id, event_id, command)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        commands.map((c) => c.deliveryId),
        commands.map((c) => c.notificationId),
        commands.map((c) => c.eventId),
        this.channel,
        commands.map((c) => JSON.stringify(c)),
        leaseSeconds,
      ],
    )) as { id: string }[];
    return new Set(rows.map((row) => row.id));
  }

  /** Claims due PENDING deliveries for `leaseSeconds` (no other replica takes them meanwhile). */
  async claimDue(limit: number, leaseSeconds: number): Promise<DeliveryRow[]> {
    // TypeORM answers an UPDATE with [rows, affectedCount].
    const [rows] = (await this.db.query(
      `UPDATE delivery SET next_attempt_at = now() + make_interval(secs => $3)
       WHERE id IN (SELECT id FROM delivery WHERE channel = $1 AND state = 'PENDING' AND next_attempt_at <= now()
                    ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING ${ROW}`,
      [this.channel, limit, leaseSeconds],
    )) as [DeliveryRow[], number];
    return rows;
  }

  /** SENT deliveries whose report deadline has passed. */
  overdueReports(limit: number): Promise<DeliveryRow[]> {
    return this.db.query(
      `SELECT ${ROW} FROM delivery WHERE channel = $1 AND state = 'SENT' AND report_deadline_at <= now()
       ORDER BY report_deadline_at LIMIT $2`,
      [this.channel, limit],
    ) as Promise<DeliveryRow[]>;
  }

  /** Rows a batch of reports may be about: by the provider's message id, or by our delivery id. */
  forReports(providerMessageIds: string[], deliveryIds: string[]): Promise<DeliveryRow[]> {
    return this.db.query(
      `SELECT ${ROW} FROM delivery
       WHERE channel = $1 AND (provider_message_id = ANY($2::text[]) OR id = ANY($3::uuid[]))`,
      [this.channel, providerMessageIds, deliveryIds],
    ) as Promise<DeliveryRow[]>;
  }

  /** Provider ids of deliveries waiting for a report for longer than a webhook should take. */
  async awaitingReport(olderThanSeconds: number, limit: number): Promise<string[]> {
    const rows = (await this.db.query(
      `SELECT provider_message_id FROM delivery
       WHERE channel = $1 AND state = 'SENT' AND updated_at < now() - make_interval(secs => $2) LIMIT $3`,
      [this.channel, olderThanSeconds, limit],
    )) as { provider_message_id: string }[];
    return rows.map((row) => row.provider_message_id);
  }

  /** The earliest timers of the channel (each read from its own partial index). */
  async dueTimers(): Promise<DueTimers> {
    const [row] = (await this.db.query(
      `SELECT (SELECT min(next_attempt_at) FROM delivery WHERE channel = $1 AND state = 'PENDING') AS attempt_at,
              (SELECT min(report_deadline_at) FROM delivery WHERE channel = $1 AND state = 'SENT') AS deadline_at`,
      [this.channel],
    )) as { attempt_at: Date | null; deadline_at: Date | null }[];
    return { attemptAt: row.attempt_at?.getTime(), deadlineAt: row.deadline_at?.getTime() };
  }

  /** A report for a finished delivery is kept on the row, never re-announced. */
  async recordLateReports(reports: { id: string; outcome: string }[]): Promise<void> {
    if (reports.length === 0) return;
    await this.db.query(
      `UPDATE delivery d SET late_report = r.outcome, updated_at = now()
       FROM unnest($1::uuid[], $2::text[]) AS r(id, outcome) WHERE d.id = r.id`,
      [reports.map((report) => report.id), reports.map((report) => report.outcome)],
    );
  }

  /** LATE_DELIVERED for the rows whose event ended FAILED or EXPIRED; at most once per event (unique index). */
  announceLateDelivery(rows: DeliveryRow[], consequences: Consequences): Promise<WriteResult> {
    return writeChange(
      this.db,
      {
        sql: `SELECT r.key FROM unnest($1::text[], $2::uuid[]) AS r(key, event_id)
              WHERE EXISTS (SELECT 1 FROM notification_status_log s
                            WHERE s.event_id = r.event_id AND s.is_terminal AND s.status IN ('FAILED', 'EXPIRED'))`,
        params: [rows.map((row) => row.id), rows.map((row) => row.event_id)],
      },
      consequences,
    );
  }

  /** Writes transitions (guarded by the state they were decided on) with their statuses and outbox rows. */
  apply(transitions: Transition[], consequences: Consequences): Promise<WriteResult> {
    return writeChange(this.db, guardedUpdate(transitions), consequences);
  }
}

/**
 * `d.id = ANY($1)` beside the join: the rows are found by primary key whatever the planner believes of the
 * table's size (a plan made while it was small hash-joined a sequential scan of every delivery).
 */
function guardedUpdate(transitions: Transition[]): GuardedChange {
  return {
    sql: `UPDATE delivery d SET state = u.state, attempts = u.attempts,
            provider_message_id = COALESCE(u.provider_message_id, d.provider_message_id),
            next_attempt_at = u.next_attempt_at, report_deadline_at = u.report_deadline_at,
            last_error = COALESCE(u.last_error, d.last_error),
            finished_at = CASE WHEN u.finished THEN now() ELSE d.finished_at END, updated_at = now()
          FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::int[], $6::text[], $7::timestamptz[],
                      $8::timestamptz[], $9::text[], $10::bool[])
            AS u(id, from_state, from_attempts, state, attempts, provider_message_id, next_attempt_at,
                 report_deadline_at, last_error, finished)
          WHERE d.id = ANY($1::uuid[]) AND d.id = u.id AND d.state = u.from_state AND d.attempts = u.from_attempts
          RETURNING d.id::text AS key`,
    params: [
      transitions.map((t) => t.id),
      transitions.map((t) => t.from.state),
      transitions.map((t) => t.from.attempts),
      transitions.map((t) => t.state),
      transitions.map((t) => t.attempts),
      transitions.map((t) => t.providerMessageId ?? null),
      transitions.map((t) => t.nextAttemptAt ?? null),
      transitions.map((t) => t.reportDeadlineAt ?? null),
      transitions.map((t) => t.lastError ?? null),
      transitions.map((t) => t.finished ?? false),
    ],
  };
}
