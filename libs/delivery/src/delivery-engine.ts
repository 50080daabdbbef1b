import { randomUUID } from 'node:crypto';
import {
  Channel,
  DeliveryCommand,
  NotificationStatus,
  NotificationStatusCode,
  Topic,
  validateMessage,
  type NotificationType,
} from '@app/contracts';
import {
  type ChannelGateway,
  type DeliveryReport,
  ProviderPermanentError,
  ProviderUnavailableError,
  type SendResult,
} from '@app/providers';
import { type AppMetrics, type CodeCipher, maskPhone } from '@app/platform';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { enqueue, recordStatuses, type OutboxEntry } from './outbox';
import type { OutboxRelay } from './outbox-relay';
import { PollingLoop } from './polling-loop';

export const DeliveryState = {
  PENDING: 'PENDING',
  SENT: 'SENT',
  DELIVERED: 'DELIVERED',
  FELL_BACK: 'FELL_BACK',
  FAILED: 'FAILED',
  EXPIRED: 'EXPIRED',
} as const;
export type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];

export const CHANNEL_TOPIC: Record<Channel, Topic> = {
  DIIA: Topic.DeliveryDiia,
  VIBER: Topic.DeliveryViber,
  SMS: Topic.DeliverySms,
  SLIP: Topic.DeliverySlip,
};

export interface RenderedText {
  text: string;
  title?: string;
  shortText?: string;
}

export interface DeliveryPolicy {
  /** Seconds to wait for a positive report before falling back (bounded by the command's expiresAt). */
  reportTimeoutSeconds(type: NotificationType): number;
  /** SMS retries a provider outage with backoff; Viber and Diia hand over to the next channel at once. */
  retryWhenUnavailable: boolean;
  maxAttempts(type: NotificationType): number;
  /** Upper bound of the exponential backoff between attempts. */
  maxBackoffSeconds: number;
  /** Provider TTL for the message itself. */
  ttlSeconds(type: NotificationType): number;
  render(command: DeliveryCommand, verificationCode: string | undefined): RenderedText;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  notification_id: string;
  state: DeliveryState;
  command: DeliveryCommand;
  attempts: number;
  provider_message_id: string | null;
}

type AttemptOutcome =
  | { kind: 'SENT'; providerMessageId: string }
  | { kind: 'REJECTED'; reason: string }
  | { kind: 'UNAVAILABLE'; reason: string }
  | { kind: 'EXPIRED' };

/**
 * One channel's delivery state machine, shared by diia-push-stub, viber-sender and sms-sender. Commands are
 * stored first (so the Kafka offset can be committed), then attempted by a worker loop that also owns the
 * durable timers: retries (`next_attempt_at`) and report deadlines (`report_deadline_at`). Every transition
 * writes its statuses and the next channel's command through the outbox in the same transaction.
 */
export class DeliveryEngine {
  private readonly worker: PollingLoop;
  private lastPollAt = 0;

  constructor(
    private readonly channel: Exclude<Channel, 'SLIP'>,
    private readonly gateway: ChannelGateway,
    private readonly policy: DeliveryPolicy,
    private readonly dataSource: DataSource,
    private readonly cipher: CodeCipher,
    private readonly relay: OutboxRelay,
    private readonly logger: Logger,
    private readonly metrics?: AppMetrics,
    private readonly options = { tickMs: 200, batchSize: 50, reportPollSeconds: 5 },
  ) {
    this.worker = new PollingLoop(
      () => this.tick(),
      options.tickMs,
      logger,
      `${channel} delivery worker pass`,
    );
  }

  /**
   * Stores commands idempotently and wakes the worker. A redelivered command (same delivery id) and a second
   * command for the same event, channel and step (a replayed outbox row, a second resolver) are both no-ops:
   * ON CONFLICT without a target covers the primary key and the one-delivery-per-step index alike.
   */
  async accept(commands: DeliveryCommand[]): Promise<number> {
    const mine = commands.filter((command) => command.channel === this.channel);
    if (mine.length === 0) return 0;
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO delivery (id, notification_id, event_id, channel, state, command, next_attempt_at)
       SELECT d.id, d.notification_id, d.event_id, $4, 'PENDING', d.command, now()
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $5::jsonb[]) AS d(id, notification_id, event_id, command)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        mine.map((c) => c.deliveryId),
        mine.map((c) => c.notificationId),
        mine.map((c) => c.eventId),
        this.channel,
        mine.map((c) => JSON.stringify(c)),
      ],
    );
    this.worker.wake();
    return inserted.length;
  }

  /** Applies provider reports (webhook or poll). Reports for finished deliveries are kept, never re-announced. */
  async applyReports(reports: DeliveryReport[]): Promise<void> {
    const decisive = reports.filter((report) => report.outcome !== 'PENDING');
    if (decisive.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      // A fast report can arrive while the attempt that sent the message has not committed SENT yet (its
      // row is still locked, provider_message_id not visible). Matching on our delivery id as well makes
      // FOR UPDATE wait for that commit and then see the SENT row, instead of dropping the report.
      const rows: DeliveryRow[] = await manager.query(
        `SELECT id, event_id, notification_id, state, command, attempts, provider_message_id FROM delivery
         WHERE channel = $1 AND (provider_message_id = ANY($2::text[]) OR id = ANY($3::uuid[]))
         ORDER BY id FOR UPDATE`,
        [
          this.channel,
          decisive.map((report) => report.providerMessageId),
          decisive.flatMap((report) =>
            report.deliveryId && UUID.test(report.deliveryId) ? [report.deliveryId] : [],
          ),
        ],
      );
      const effects = new Effects();
      for (const row of rows) {
        const report = decisive.find((candidate) => candidate.providerMessageId === row.provider_message_id);
        // Found by delivery id but never sent with this provider id (e.g. the attempt rolled back).
        if (!report) continue;
        if (row.state !== DeliveryState.SENT) {
          await manager.query(`UPDATE delivery SET late_report = $2, updated_at = now() WHERE id = $1`, [
            row.id,
            report.outcome,
          ]);
          continue;
        }
        if (report.outcome === 'DELIVERED') {
          effects.finish(row, DeliveryState.DELIVERED);
          effects.statuses.push(this.status(row.command, NotificationStatusCode.DELIVERED));
        } else {
          this.fallBackOrFail(row, row.attempts, report.outcome, effects);
        }
      }
      await this.commitEffects(manager, effects);
    });
    this.relay.kick();
  }

  start(): void {
    this.worker.start();
  }

  stop(): Promise<void> {
    return this.worker.stop();
  }

  /** One pass of the worker: due attempts, missed report deadlines, and a status poll when it is time. */
  async tick(): Promise<void> {
    while ((await this.attemptDue()) === this.options.batchSize);
    await this.expireReportWaits();
    if (Date.now() - this.lastPollAt >= this.options.reportPollSeconds * 1000) {
      this.lastPollAt = Date.now();
      await this.pollReports();
    }
  }

  private async attemptDue(): Promise<number> {
    const count = await this.dataSource.transaction(async (manager) => {
      const rows: DeliveryRow[] = await manager.query(
        `SELECT id, event_id, notification_id, state, command, attempts, provider_message_id FROM delivery
         WHERE channel = $1 AND state = 'PENDING' AND next_attempt_at <= now()
         ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [this.channel, this.options.batchSize],
      );
      if (rows.length === 0) return 0;
      const effects = new Effects();
      const sendable = this.withoutMalformed(rows, effects);
      // Provider calls run concurrently; the rows stay locked so no other worker sends them meanwhile.
      const outcomes = await Promise.all(sendable.map((row) => this.attempt(row.command)));
      for (const [index, row] of sendable.entries()) this.applyAttempt(row, outcomes[index], effects);
      await this.commitEffects(manager, effects);
      return rows.length;
    });
    if (count > 0) this.relay.kick();
    return count;
  }

  private async attempt(command: DeliveryCommand): Promise<AttemptOutcome> {
    if (isPast(command.expiresAt)) return { kind: 'EXPIRED' };
    const address = this.channel === 'DIIA' ? command.recipient.taxId : command.recipient.phone;
    if (!address) return { kind: 'REJECTED', reason: 'NO_ADDRESS' };
    let result: SendResult;
    try {
      const code = command.content.sealedCode ? this.cipher.open(command.content.sealedCode) : undefined;
      const rendered = this.policy.render(command, code);
      result = await this.gateway.send({
        deliveryId: command.deliveryId,
        address,
        text: rendered.text,
        title: rendered.title,
        shortText: rendered.shortText,
        ttlSeconds: this.ttlFor(command),
      });
    } catch (error) {
      if (error instanceof ProviderUnavailableError)
        return this.counted({ kind: 'UNAVAILABLE', reason: error.code });
      if (error instanceof ProviderPermanentError)
        return this.counted({ kind: 'REJECTED', reason: error.code });
      const code = (error as { code?: unknown }).code;
      return this.counted({
        kind: 'REJECTED',
        reason: typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : 'RENDER_OR_SEND_ERROR',
      });
    }
    return this.counted(
      result.kind === 'ACCEPTED'
        ? { kind: 'SENT', providerMessageId: result.providerMessageId }
        : { kind: 'REJECTED', reason: result.reason },
    );
  }

  private counted(outcome: AttemptOutcome): AttemptOutcome {
    this.metrics?.providerCalls.inc({
      channel: this.channel,
      result: outcome.kind === 'SENT' ? 'ACCEPTED' : 'reason' in outcome ? outcome.reason : outcome.kind,
    });
    return outcome;
  }

  private applyAttempt(row: DeliveryRow, outcome: AttemptOutcome, effects: Effects): void {
    const command = row.command;
    const attempts = row.attempts + 1;
    switch (outcome.kind) {
      case 'SENT': {
        const deadline = boundedDeadline(this.policy.reportTimeoutSeconds(command.type), command.expiresAt);
        effects.update({
          id: row.id,
          state: DeliveryState.SENT,
          attempts,
          providerMessageId: outcome.providerMessageId,
          reportDeadlineAt: deadline,
        });
        effects.statuses.push(this.status(command, NotificationStatusCode.SENT));
        return;
      }
      case 'EXPIRED':
        effects.finish({ ...row, attempts }, DeliveryState.EXPIRED);
        effects.statuses.push(this.status(command, NotificationStatusCode.EXPIRED, 'CODE_EXPIRED'));
        return;
      case 'UNAVAILABLE': {
        // A retry that would fall after the code's expiry is moved to the expiry itself, so an outage that
        // outlasts the code ends EXPIRED at that moment (the attempt sees the expiry), not FAILED early.
        const retryAt = new Date(
          Math.min(
            Date.now() + backoffSeconds(attempts, this.policy.maxBackoffSeconds) * 1000,
            command.expiresAt ? Date.parse(command.expiresAt) : Infinity,
          ),
        );
        if (this.policy.retryWhenUnavailable && attempts < this.policy.maxAttempts(command.type)) {
          effects.update({
            id: row.id,
            state: DeliveryState.PENDING,
            attempts,
            nextAttemptAt: retryAt,
            lastError: outcome.reason,
          });
          return;
        }
        const reason = this.policy.retryWhenUnavailable ? 'PROVIDER_UNAVAILABLE' : outcome.reason;
        this.fallBackOrFail(row, attempts, reason, effects, outcome.reason);
        return;
      }
      case 'REJECTED':
        this.fallBackOrFail(row, attempts, outcome.reason, effects);
        return;
    }
  }

  private async expireReportWaits(): Promise<void> {
    const count = await this.dataSource.transaction(async (manager) => {
      const rows: DeliveryRow[] = await manager.query(
        `SELECT id, event_id, notification_id, state, command, attempts, provider_message_id FROM delivery
         WHERE channel = $1 AND state = 'SENT' AND report_deadline_at <= now()
         ORDER BY report_deadline_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [this.channel, this.options.batchSize],
      );
      const effects = new Effects();
      for (const row of rows) this.fallBackOrFail(row, row.attempts, 'NO_REPORT_IN_TIME', effects);
      await this.commitEffects(manager, effects);
      return rows.length;
    });
    if (count > 0) this.relay.kick();
  }

  /** Backup for lost webhooks: ask the provider about deliveries still waiting for a report. */
  private async pollReports(): Promise<void> {
    const rows: { provider_message_id: string }[] = await this.dataSource.query(
      `SELECT provider_message_id FROM delivery WHERE channel = $1 AND state = 'SENT' AND updated_at < now() - interval '2 seconds' LIMIT 200`,
      [this.channel],
    );
    if (rows.length === 0) return;
    try {
      await this.applyReports(await this.gateway.fetchReports(rows.map((row) => row.provider_message_id)));
    } catch (error) {
      if (!(error instanceof ProviderUnavailableError)) throw error;
    }
  }

  /**
   * Commands are validated at the Kafka edge, so a stored command that no longer reads as one (a bug, a
   * hand edit, a schema change) is a single bad row: it ends FAILED with MALFORMED_COMMAND instead of
   * failing every pass of the worker and so holding up every other recipient of the channel. Checked before
   * each attempt only: a command never changes, so a row that reached SENT has passed this already.
   */
  private withoutMalformed(rows: DeliveryRow[], effects: Effects): DeliveryRow[] {
    return rows.filter((row) => {
      try {
        validateMessage(DeliveryCommand, row.command);
        return true;
      } catch (error) {
        this.logger.error(
          { deliveryId: row.id, eventId: row.event_id, err: error },
          `${this.channel} delivery ${row.id} holds a malformed command: ended FAILED`,
        );
        effects.finish({ ...row, lastError: 'MALFORMED_COMMAND' }, DeliveryState.FAILED);
        effects.statuses.push({
          eventId: row.event_id,
          notificationId: row.notification_id,
          at: new Date().toISOString(),
          status: NotificationStatusCode.FAILED,
          channel: this.channel,
          reason: 'MALFORMED_COMMAND',
        });
        return false;
      }
    });
  }

  /** Ends this channel's attempt and hands over to the next channel of the plan, or ends the event. */
  private fallBackOrFail(
    row: DeliveryRow,
    attempts: number,
    reason: string,
    effects: Effects,
    lastError = reason,
  ): void {
    const command = row.command;
    const finished = { ...row, attempts, lastError };
    if (isPast(command.expiresAt)) {
      effects.finish(finished, DeliveryState.EXPIRED);
      effects.statuses.push(this.status(command, NotificationStatusCode.EXPIRED, reason));
      return;
    }
    const [next, ...rest] = command.remainingPlan;
    if (!next) {
      effects.finish(finished, DeliveryState.FAILED);
      effects.statuses.push(this.status(command, NotificationStatusCode.FAILED, reason));
      return;
    }
    effects.finish(finished, DeliveryState.FELL_BACK);
    effects.statuses.push(this.status(command, NotificationStatusCode.FALLBACK, reason));
    const nextCommand: DeliveryCommand = {
      ...command,
      deliveryId: randomUUID(),
      channel: next,
      remainingPlan: rest,
      step: command.step + 1,
    };
    effects.outbox.push({ topic: CHANNEL_TOPIC[next], key: command.notificationId, value: nextCommand });
  }

  /** One UPDATE for every row the pass changed, then the statuses and the outbox, in the caller's transaction. */
  private async commitEffects(manager: EntityManager, effects: Effects): Promise<void> {
    const updates = effects.updates;
    if (updates.length > 0) {
      await manager.query(
        `UPDATE delivery d SET state = u.state, attempts = u.attempts,
           provider_message_id = COALESCE(u.provider_message_id, d.provider_message_id),
           next_attempt_at = u.next_attempt_at, report_deadline_at = u.report_deadline_at,
           last_error = COALESCE(u.last_error, d.last_error),
           finished_at = CASE WHEN u.finished THEN now() ELSE d.finished_at END, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::bool[])
           AS u(id, state, attempts, provider_message_id, next_attempt_at, report_deadline_at, last_error, finished)
         WHERE d.id = u.id`,
        [
          updates.map((u) => u.id),
          updates.map((u) => u.state),
          updates.map((u) => u.attempts),
          updates.map((u) => u.providerMessageId ?? null),
          updates.map((u) => u.nextAttemptAt ?? null),
          updates.map((u) => u.reportDeadlineAt ?? null),
          updates.map((u) => u.lastError ?? null),
          updates.map((u) => u.finished ?? false),
        ],
      );
    }
    const kept = await recordStatuses(manager, effects.statuses);
    await enqueue(manager, effects.outbox);
    for (const status of kept)
      this.metrics?.statuses.inc({ status: status.status, channel: status.channel ?? 'NONE' });
  }

  private status(
    command: DeliveryCommand,
    status: NotificationStatusCode,
    reason?: string,
  ): NotificationStatus {
    const { recipient } = command;
    return {
      eventId: command.eventId,
      notificationId: command.notificationId,
      at: new Date().toISOString(),
      status,
      channel: this.channel,
      recipient: {
        personId: recipient.personId,
        role: recipient.role,
        ...(recipient.phone ? { maskedPhone: maskPhone(recipient.phone) } : {}),
      },
      ...(reason ? { reason } : {}),
    };
  }

  private ttlFor(command: DeliveryCommand): number {
    const ttl = this.policy.ttlSeconds(command.type);
    if (!command.expiresAt) return ttl;
    return Math.max(30, Math.min(ttl, Math.floor((Date.parse(command.expiresAt) - Date.now()) / 1000)));
  }
}

interface RowUpdate {
  id: string;
  state: DeliveryState;
  attempts: number;
  providerMessageId?: string;
  /** Timers not named here are cleared: each state has at most one running timer. */
  nextAttemptAt?: Date;
  reportDeadlineAt?: Date;
  lastError?: string;
  finished?: boolean;
}

/** What one worker pass changes: row updates, statuses and outbox messages, written together at the end. */
class Effects {
  readonly updates: RowUpdate[] = [];
  readonly statuses: NotificationStatus[] = [];
  readonly outbox: OutboxEntry[] = [];

  update(change: RowUpdate): void {
    this.updates.push(change);
  }

  finish(row: { id: string; attempts: number; lastError?: string }, state: DeliveryState): void {
    this.updates.push({
      id: row.id,
      state,
      attempts: row.attempts,
      lastError: row.lastError,
      finished: true,
    });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isPast(iso: string | undefined, now = new Date()): boolean {
  return iso !== undefined && Date.parse(iso) <= now.getTime();
}

function boundedDeadline(timeoutSeconds: number, expiresAt: string | undefined): Date {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return new Date(expiresAt ? Math.min(deadline, Date.parse(expiresAt)) : deadline);
}

/** Exponential backoff with full jitter on the upper half: 1, 2, 4, 8 ... seconds, capped. */
export function backoffSeconds(attempt: number, maxSeconds: number): number {
  const base = Math.min(maxSeconds, 2 ** (attempt - 1));
  return base / 2 + Math.random() * (base / 2);
}
