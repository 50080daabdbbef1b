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
import type { DataSource } from 'typeorm';
import { Coalescer } from './coalescer';
import {
  DeliveryRepository,
  type DeliveryRow,
  DeliveryState,
  type DueTimers,
  type Transition,
} from './delivery-repository';
import type { Consequences } from './outbox';
import type { OutboxPublisher } from './outbox-publisher';
import { TimerLoop } from './timer-loop';

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

export interface DeliveryEngineOptions {
  batchSize: number;
  /** Backup status poll for deliveries whose webhook report is this late. */
  reportPollSeconds: number;
  /**
   * How long an attempt owns its delivery before a timer pass may take it over (the attempting process
   * died). Longer than a provider call can take; a takeover resends with the same idempotency key.
   */
  attemptLeaseSeconds: number;
  /** The longest an idle engine sleeps between looks at the database (other replicas' timers). */
  safetyPassMs: number;
  /** Deliveries being attempted at once; past this the consumer waits (backpressure on Kafka). */
  maxAttemptsInFlight: number;
}

const DEFAULT_OPTIONS: DeliveryEngineOptions = {
  batchSize: 200,
  reportPollSeconds: 5,
  attemptLeaseSeconds: 15,
  safetyPassMs: 10_000,
  maxAttemptsInFlight: 2000,
};

type AttemptOutcome =
  | { kind: 'SENT'; providerMessageId: string }
  | { kind: 'REJECTED'; reason: string }
  | { kind: 'UNAVAILABLE'; reason: string }
  | { kind: 'EXPIRED' };

/** Retries of a write whose guard lost to a concurrent transition, before the rest is left to timers. */
const REPORT_ROUNDS = 3;
/** How long a report that overtook its attempt waits for the attempt's write before it decides itself. */
const OVERTAKING_REPORT_WAIT_MS = 200;
/** Rows remembered as just SENT, for their reports (oldest forgotten first). */
const MAX_REMEMBERED_SENT = 5000;

/**
 * One channel's delivery state machine, shared by diia-push-stub, viber-sender and sms-sender.
 *
 * Commands are attempted in the consume path: stored as PENDING (durable, so the offset may be committed),
 * sent at once, and the outcome written with its statuses and the next channel's command in one guarded
 * statement whose outbox rows are published straight after. Durable timers in the same table take over what
 * is left: retries (`next_attempt_at`), report deadlines (`report_deadline_at`), and an attempt whose process
 * died (its PENDING lease runs out). The timer loop sleeps until the next of them, not on a fixed tick.
 * Every decision is made on a row as read and written only if the row is unchanged (see Transition).
 */
export class DeliveryEngine {
  private readonly repository: DeliveryRepository;
  private readonly timers: TimerLoop;
  private readonly reports: Coalescer<DeliveryReport>;
  private readonly options: DeliveryEngineOptions;
  private lastPollAt = 0;
  private readonly attempts: Coalescer<DeliveryRow>;
  /**
   * Rows this process has just written SENT, by provider message id. The report that usually follows within
   * milliseconds is decided on the row as written instead of reading it back (a round trip per message). If
   * the row moved meanwhile (a timer, another replica), the guarded write does not take and the next round
   * reads the database, as for any report.
   */
  private readonly sent = new Map<string, DeliveryRow>();
  /**
   * Deliveries whose attempt is under way here, by id, to when its outcome is written. A fast provider's
   * report can arrive before that write; it waits for it and is then decided on the row as written, instead
   * of reading the row back, deciding SENT and the outcome itself, and making the attempt's write lose.
   */
  private readonly attempting = new Map<string, Promise<void>>();

  constructor(
    private readonly channel: Exclude<Channel, 'SLIP'>,
    private readonly gateway: ChannelGateway,
    private readonly policy: DeliveryPolicy,
    dataSource: DataSource,
    private readonly cipher: CodeCipher,
    private readonly publisher: OutboxPublisher,
    private readonly logger: Logger,
    private readonly metrics?: AppMetrics,
    options: Partial<DeliveryEngineOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    this.repository = new DeliveryRepository(dataSource, channel);
    this.timers = new TimerLoop(
      () => this.timerPass(),
      this.options.safetyPassMs,
      logger,
      `${channel} delivery timers`,
    );
    this.reports = new Coalescer((batch) => this.applyReports(batch));
    this.attempts = new Coalescer((rows) => this.attemptInBackground(rows), this.options.batchSize, 4);
  }

  start(): void {
    this.timers.start();
  }

  async stop(): Promise<void> {
    await this.timers.stop();
    await this.attempts.idle();
  }

  /**
   * The consume path: stores the channel's commands (durable PENDING rows, so the offset may be committed)
   * and starts attempting the new ones at once, without holding up the next fetch for the provider's
   * answer. A command seen before (redelivery, replayed outbox row) is neither stored nor sent again. If
   * this process dies mid-attempt, the row's lease runs out and a timer pass attempts it again with the
   * same idempotency key, so the provider sends it once.
   */
  async accept(commands: DeliveryCommand[]): Promise<number> {
    const mine = commands.filter((command) => command.channel === this.channel);
    if (mine.length === 0) return 0;
    const fresh = await this.repository.insertPending(mine, this.options.attemptLeaseSeconds);
    const rows: DeliveryRow[] = mine
      .filter((command) => fresh.has(command.deliveryId.toLowerCase()))
      .map((command) => ({
        id: command.deliveryId.toLowerCase(),
        event_id: command.eventId,
        notification_id: command.notificationId,
        state: DeliveryState.PENDING,
        command,
        attempts: 0,
        provider_message_id: null,
      }));
    // Not awaited: the next fetch need not wait for the provider. Rows arriving meanwhile are attempted
    // together (a few batches at a time), so writes stay batched as the rate grows.
    for (const row of rows) void this.attempts.submit(row).catch(() => undefined);
    while (this.attempts.backlog > this.options.maxAttemptsInFlight) await this.attempts.idle();
    return rows.length;
  }

  /** A background batch of attempts; a failure leaves its rows PENDING for the timers (lease). */
  private async attemptInBackground(rows: DeliveryRow[]): Promise<void> {
    try {
      await this.attemptRows(rows);
    } catch (error) {
      this.logger.warn(
        { err: error, count: rows.length },
        `${this.channel} attempts failed; their timers will retry them`,
      );
      this.timers.wakeAt(Date.now() + this.options.attemptLeaseSeconds * 1000);
    }
  }

  /**
   * Reports from a webhook (or the Diia stub): batched with reports arriving meanwhile; resolves once all are
   * applied. One whose attempt is still under way here first waits for that attempt's write, on its own (a
   * slow provider call must not hold up the reports of other deliveries), and only briefly: a report that
   * proves the message was accepted must not wait for a provider answer that times out and falls back to
   * the next channel.
   */
  async report(reports: DeliveryReport[]): Promise<void> {
    await Promise.all(
      reports.map((report) => {
        const attempt = this.attempting.get(report.deliveryId?.toLowerCase() ?? '');
        if (!attempt) return this.reports.submit(report);
        return waitAtMost(attempt, OVERTAKING_REPORT_WAIT_MS).then(() => this.reports.submit(report));
      }),
    );
  }

  /**
   * Applies provider reports (webhook or poll). A report may overtake the write of its own attempt: it then
   * finds the delivery still PENDING and records SENT and the outcome itself (the attempt's write loses its
   * guard). Reports for finished deliveries are kept on the row, never re-announced.
   */
  async applyReports(reports: DeliveryReport[]): Promise<void> {
    let open = reports.filter((report) => report.outcome !== 'PENDING');
    for (let round = 1; open.length > 0 && round <= REPORT_ROUNDS; round++) {
      const rows = round === 1 ? this.recallSent(open) : [];
      const recalled = new Set(rows.map((row) => row.provider_message_id));
      const unknown = open.filter((report) => !recalled.has(report.providerMessageId));
      if (unknown.length > 0)
        rows.push(
          ...(await this.repository.forReports(
            unknown.map((report) => report.providerMessageId),
            unknown.flatMap((report) =>
              report.deliveryId && UUID.test(report.deliveryId) ? [report.deliveryId] : [],
            ),
          )),
        );
      const step = new Step();
      const late: { row: DeliveryRow; outcome: string }[] = [];
      const decided = new Map<string, DeliveryReport>();
      for (const report of open) {
        const row =
          rows.find((candidate) => candidate.provider_message_id === report.providerMessageId) ??
          rows.find(
            (candidate) =>
              candidate.provider_message_id === null &&
              candidate.id === report.deliveryId?.toLowerCase() &&
              candidate.state === DeliveryState.PENDING,
          );
        if (!row || decided.has(row.id)) continue; // not ours, or the attempt rolled back
        if (row.state !== DeliveryState.SENT && row.state !== DeliveryState.PENDING) {
          late.push({ row, outcome: report.outcome });
          continue;
        }
        decided.set(row.id, report);
        this.decideReport(row, report, step);
      }
      await this.recordLate(late);
      const changed = await this.write(step);
      open = [...decided].filter(([id]) => !changed.has(id)).map(([, report]) => report);
    }
  }

  /** The remembered SENT rows these reports are about, forgotten as they are used. */
  private recallSent(reports: DeliveryReport[]): DeliveryRow[] {
    const rows: DeliveryRow[] = [];
    for (const report of reports) {
      const row = this.sent.get(report.providerMessageId);
      if (!row) continue;
      this.sent.delete(report.providerMessageId);
      rows.push(row);
    }
    return rows;
  }

  private rememberSent(row: DeliveryRow): void {
    this.sent.set(row.provider_message_id!, row);
    if (this.sent.size > MAX_REMEMBERED_SENT) this.sent.delete(this.sent.keys().next().value!);
  }

  /**
   * A report for a finished delivery is kept on the row and changes nothing else; but a positive one for an
   * event that ended FAILED or EXPIRED for want of it is announced once as LATE_DELIVERED (ADR 0006), so
   * upstream does not tell the doctor "failed" about a code the patient has.
   */
  private async recordLate(late: { row: DeliveryRow; outcome: string }[]): Promise<void> {
    if (late.length === 0) return;
    await this.repository.recordLateReports(late.map(({ row, outcome }) => ({ id: row.id, outcome })));
    const delivered = late.filter(({ outcome }) => outcome === 'DELIVERED').map(({ row }) => row);
    if (delivered.length === 0) return;
    const result = await this.repository.announceLateDelivery(delivered, {
      statuses: delivered.map((row) => ({
        key: row.id,
        status: this.status(row.command, NotificationStatusCode.LATE_DELIVERED),
      })),
      messages: [],
    });
    this.publisher.publish(result.outbox);
    for (const status of result.kept) this.metrics?.statusRecorded(status);
  }

  /** The timer pass: lost attempts and due retries, missed report deadlines, and a status poll when due. */
  async timerPass(): Promise<number | undefined> {
    for (;;) {
      const rows = await this.repository.claimDue(this.options.batchSize, this.options.attemptLeaseSeconds);
      const step = new Step();
      await this.attemptRows(this.withoutMalformed(rows, step), step);
      if (rows.length < this.options.batchSize) break;
    }
    for (;;) {
      const rows = await this.repository.overdueReports(this.options.batchSize);
      const step = new Step();
      for (const row of rows) this.fallBackOrFail(row, row.attempts, 'NO_REPORT_IN_TIME', step);
      await this.write(step);
      if (rows.length < this.options.batchSize) break;
    }
    const due = await this.repository.dueTimers();
    if (
      due.deadlineAt !== undefined &&
      Date.now() - this.lastPollAt >= this.options.reportPollSeconds * 1000
    ) {
      this.lastPollAt = Date.now();
      await this.pollReports();
    }
    return this.nextPass(due);
  }

  private nextPass(due: DueTimers): number | undefined {
    const poll =
      due.deadlineAt === undefined ? Infinity : this.lastPollAt + this.options.reportPollSeconds * 1000;
    const next = Math.min(due.attemptAt ?? Infinity, due.deadlineAt ?? Infinity, poll);
    return Number.isFinite(next) ? next : undefined;
  }

  /** Backup for lost webhooks: ask the provider about deliveries still waiting for a report. */
  private async pollReports(): Promise<void> {
    const ids = await this.repository.awaitingReport(2, 200);
    if (ids.length === 0) return;
    try {
      await this.applyReports(await this.gateway.fetchReports(ids));
    } catch (error) {
      if (!(error instanceof ProviderUnavailableError)) throw error;
    }
  }

  private async attemptRows(rows: DeliveryRow[], step = new Step()): Promise<void> {
    let written!: () => void;
    const outcomeWritten = new Promise<void>((resolve) => (written = resolve));
    for (const row of rows) this.attempting.set(row.id, outcomeWritten);
    try {
      // Provider calls run concurrently; a row's lease keeps timer passes of other replicas away meanwhile.
      const outcomes = await Promise.all(rows.map((row) => this.attempt(row.command)));
      for (const [index, row] of rows.entries()) this.applyAttempt(row, outcomes[index], step);
      await this.commit(step);
    } finally {
      for (const row of rows)
        if (this.attempting.get(row.id) === outcomeWritten) this.attempting.delete(row.id);
      written();
    }
    await this.publisher.room();
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

  private applyAttempt(row: DeliveryRow, outcome: AttemptOutcome, step: Step): void {
    const command = row.command;
    const attempts = row.attempts + 1;
    switch (outcome.kind) {
      case 'SENT':
        this.markSent(row, attempts, outcome.providerMessageId, step);
        return;
      case 'EXPIRED':
        step.finish(row, attempts, DeliveryState.EXPIRED);
        step.status(row, this.status(command, NotificationStatusCode.EXPIRED, 'CODE_EXPIRED'));
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
          step.move(row, {
            state: DeliveryState.PENDING,
            attempts,
            nextAttemptAt: retryAt,
            lastError: outcome.reason,
          });
          return;
        }
        const reason = this.policy.retryWhenUnavailable ? 'PROVIDER_UNAVAILABLE' : outcome.reason;
        this.fallBackOrFail(row, attempts, reason, step, outcome.reason);
        return;
      }
      case 'REJECTED':
        this.fallBackOrFail(row, attempts, outcome.reason, step);
        return;
    }
  }

  private markSent(row: DeliveryRow, attempts: number, providerMessageId: string, step: Step): void {
    const deadline = boundedDeadline(
      this.policy.reportTimeoutSeconds(row.command.type),
      row.command.expiresAt,
    );
    step.move(row, { state: DeliveryState.SENT, attempts, providerMessageId, reportDeadlineAt: deadline });
    step.status(row, this.status(row.command, NotificationStatusCode.SENT));
    step.sent.push({ ...row, state: DeliveryState.SENT, attempts, provider_message_id: providerMessageId });
  }

  private decideReport(row: DeliveryRow, report: DeliveryReport, step: Step): void {
    if (row.state === DeliveryState.PENDING) {
      // The report overtook its attempt's write: the message was accepted, so this is SENT and the outcome.
      const sent = { ...row, state: DeliveryState.SENT, attempts: row.attempts + 1 };
      step.status(row, this.status(row.command, NotificationStatusCode.SENT));
      this.reportOutcome(sent, report, step, { from: row, providerMessageId: report.providerMessageId });
      return;
    }
    this.reportOutcome(row, report, step);
  }

  private reportOutcome(
    row: DeliveryRow,
    report: DeliveryReport,
    step: Step,
    overtaken?: { from: DeliveryRow; providerMessageId: string },
  ): void {
    const origin = overtaken?.from ?? row;
    if (report.outcome === 'DELIVERED') {
      step.finish(origin, row.attempts, DeliveryState.DELIVERED, undefined, overtaken?.providerMessageId);
      step.status(origin, this.status(row.command, NotificationStatusCode.DELIVERED));
      return;
    }
    this.fallBackOrFail(
      origin,
      row.attempts,
      report.outcome,
      step,
      report.outcome,
      overtaken?.providerMessageId,
    );
  }

  /**
   * Commands are validated at the Kafka edge, so a stored command that no longer reads as one (a bug, a
   * hand edit, a schema change) is a single bad row: it ends FAILED with MALFORMED_COMMAND instead of
   * failing every timer pass and so holding up every other recipient of the channel. Checked only on rows
   * read back from the database; the consume path attempts commands it has just validated.
   */
  private withoutMalformed(rows: DeliveryRow[], step: Step): DeliveryRow[] {
    return rows.filter((row) => {
      try {
        validateMessage(DeliveryCommand, row.command);
        return true;
      } catch (error) {
        this.logger.error(
          { deliveryId: row.id, eventId: row.event_id, err: error },
          `${this.channel} delivery ${row.id} holds a malformed command: ended FAILED`,
        );
        step.finish(row, row.attempts, DeliveryState.FAILED, 'MALFORMED_COMMAND');
        step.status(row, {
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
    step: Step,
    lastError = reason,
    providerMessageId?: string,
  ): void {
    const command = row.command;
    if (isPast(command.expiresAt)) {
      step.finish(row, attempts, DeliveryState.EXPIRED, lastError, providerMessageId);
      step.status(row, this.status(command, NotificationStatusCode.EXPIRED, reason));
      return;
    }
    const [next, ...rest] = command.remainingPlan;
    if (!next) {
      step.finish(row, attempts, DeliveryState.FAILED, lastError, providerMessageId);
      step.status(row, this.status(command, NotificationStatusCode.FAILED, reason));
      return;
    }
    step.finish(row, attempts, DeliveryState.FELL_BACK, lastError, providerMessageId);
    step.status(row, this.status(command, NotificationStatusCode.FALLBACK, reason));
    const nextCommand: DeliveryCommand = {
      ...command,
      deliveryId: randomUUID(),
      channel: next,
      remainingPlan: rest,
      step: command.step + 1,
    };
    step.message(row, { topic: CHANNEL_TOPIC[next], key: command.notificationId, value: nextCommand });
  }

  /** Writes a step, then waits while too much committed output waits for Kafka (backpressure). */
  private async write(step: Step): Promise<Set<string>> {
    const changed = await this.commit(step);
    await this.publisher.room();
    return changed;
  }

  /** Writes a step; publishes what it committed; arms the timers it set. Returns the rows that moved. */
  private async commit(step: Step): Promise<Set<string>> {
    if (step.transitions.length === 0) return new Set();
    const result = await this.repository.apply(step.transitions, step.consequences);
    this.publisher.publish(result.outbox);
    // Counted after the commit; the command's type and occurredAt time terminal statuses end to end.
    for (const status of result.kept) this.metrics?.statusRecorded(status, step.commandOf(status.eventId));
    for (const row of step.sent) if (result.changed.has(row.id)) this.rememberSent(row);
    for (const transition of step.transitions) {
      if (!result.changed.has(transition.id)) continue;
      const timer = transition.nextAttemptAt ?? transition.reportDeadlineAt;
      if (timer) this.timers.wakeAt(timer.getTime());
    }
    return result.changed;
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

/** What one pass decides: guarded transitions and their consequences, written together at the end. */
class Step {
  readonly transitions: Transition[] = [];
  readonly consequences: Consequences = { statuses: [], messages: [] };
  /** Rows as they will be once this step's SENT transitions are written. */
  readonly sent: DeliveryRow[] = [];

  move(row: DeliveryRow, change: Omit<Transition, 'id' | 'from'>): void {
    this.transitions.push({ id: row.id, from: { state: row.state, attempts: row.attempts }, ...change });
  }

  finish(
    row: DeliveryRow,
    attempts: number,
    state: DeliveryState,
    lastError?: string,
    providerMessageId?: string,
  ): void {
    this.move(row, { state, attempts, lastError, providerMessageId, finished: true });
  }

  status(row: DeliveryRow, status: NotificationStatus): void {
    this.consequences.statuses.push({ key: row.id, status });
    this.commands.set(status.eventId, row.command);
  }

  /** The command behind an event's status in this step. */
  commandOf(eventId: string): DeliveryCommand | undefined {
    return this.commands.get(eventId);
  }

  private readonly commands = new Map<string, DeliveryCommand>();

  message(row: DeliveryRow, entry: Consequences['messages'][number]['entry']): void {
    this.consequences.messages.push({ key: row.id, entry });
  }
}

/** Resolves when `promise` settles or after `ms`, whichever is first; the timer never outlives it. */
function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([promise, elapsed]).finally(() => clearTimeout(timer));
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
