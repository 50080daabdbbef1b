import { Channel, NotificationStatusCode, NotificationType, TERMINAL_STATUSES } from '@app/contracts';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Bounded label values are the contract's own (libs/contracts), not a second list to keep in step.
const TERMINAL: ReadonlySet<string> = TERMINAL_STATUSES;
const STATUSES = new Set<string>(Object.values(NotificationStatusCode));
const CHANNELS = new Set<string>(Object.values(Channel));
const TYPES = new Set<string>(Object.values(NotificationType));

/** Seconds: from a few ms (the fast path's target) to the 300 s of a login code and beyond. */
const LATENCY_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600];
const PROVIDER_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

/**
 * A label fed by machine codes (reasons, provider outcomes): a value is kept when it reads as a code
 * (`NOT_VIBER_USER`) and fewer than `max` distinct values were seen, else it becomes `OTHER`. So a bug that
 * put free text, an id or a phone into a reason can neither leak it into metrics nor explode the series.
 */
export class CodeLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly max = 40) {}

  of(value: string | undefined | null): string {
    if (!value) return 'NONE';
    const code = value.split(':')[0];
    if (!/^[A-Z][A-Z0-9_]{0,47}$/.test(code)) return 'OTHER';
    if (this.seen.has(code)) return code;
    if (this.seen.size >= this.max) return 'OTHER';
    this.seen.add(code);
    return code;
  }
}

const fromSet = (allowed: Set<string>, value: string | undefined | null, none = 'NONE') =>
  !value ? none : allowed.has(value) ? value : 'OTHER';

/** What a status needs for the metrics: a NotificationStatus is one. */
export interface StatusForMetrics {
  status: string;
  channel?: string | null;
  reason?: string | null;
  /** ISO time the status was recorded (NotificationStatus.at); now when absent. */
  at?: string;
}

/** What the command or notification knows about the event: its type and when upstream said it happened. */
export interface StatusOrigin {
  type: string;
  occurredAt: string;
}

export type DeliveryTimer = 'attempt' | 'report_deadline';

/** Gauges filled at scrape time (see libs/runtime scrape collectors); each is a plain set of numbers. */
export interface OutboxSample {
  backlog: number;
  oldestAgeSeconds: number;
}
export interface DeliverySample {
  channel: string;
  pending: number;
  awaitingReport: number;
  overdue: Record<DeliveryTimer, { count: number; maxLatenessSeconds: number }>;
}
export interface LagSample {
  groupId: string;
  members: number;
  partitions: { topic: string; partition: number; lag: number }[];
}

/**
 * One registry per app with the pipeline's own series, Prometheus conventions: units in names, `_total`
 * counters, base units (seconds). Labels are codes, names and partition numbers, never ids or personal data.
 * The pipeline calls the methods below; scrape-time gauges are refreshed only while something scrapes.
 */
export class AppMetrics {
  readonly registry = new Registry();
  readonly consumed: Counter<'topic'>;
  readonly deadLettered: Counter<'topic' | 'reason'>;
  readonly retried: Counter<'topic' | 'kind'>;
  readonly batchDuration: Histogram<'topic'>;
  readonly statuses: Counter<'status' | 'channel'>;
  readonly providerCalls: Counter<'channel' | 'result'>;
  readonly outboxPublished: Counter<'topic'>;
  /** SMS failover (sms-sender): 1 while a provider takes traffic, 0 while it is out. */
  readonly smsProviderUp: Gauge<'provider'>;
  /** A provider taken out (`change` OUT, `reason` why) or brought back (BACK, `reason` what it was out for). */
  readonly smsProviderChanges: Counter<'provider' | 'change' | 'reason'>;
  /** Calls to each SMS provider by outcome (ACCEPTED, REJECTED, NOT_SENT, IN_DOUBT, SKIPPED). */
  readonly smsProviderAttempts: Counter<'provider' | 'outcome'>;
  /** A message sent through another provider than its first choice, and why. */
  readonly smsFailovers: Counter<'from' | 'to' | 'reason'>;

  readonly fallbacks: Counter<'channel' | 'reason'>;
  readonly endToEnd: Histogram<'type' | 'channel' | 'status'>;
  readonly providerDuration: Histogram<'provider' | 'channel' | 'operation' | 'outcome'>;
  readonly fetchLag: Gauge<'topic' | 'partition'>;
  readonly committedLag: Gauge<'group' | 'topic' | 'partition'>;
  readonly groupMembers: Gauge<'group'>;
  readonly consumerJoined: Gauge;
  readonly assignedPartitions: Gauge<'topic'>;
  readonly rebalances: Counter;
  readonly outboxBacklog: Gauge;
  readonly outboxOldestAge: Gauge;
  readonly deliveriesPending: Gauge<'channel' | 'state'>;
  readonly timersOverdue: Gauge<'channel' | 'timer'>;
  readonly timersLateness: Gauge<'channel' | 'timer'>;
  readonly collectorErrors: Counter<'collector'>;

  private readonly fallbackReasons = new CodeLabel();
  private readonly providerOutcomes = new CodeLabel();
  private readonly deadLetterReasons = new CodeLabel();
  private readonly scrapeHooks: (() => Promise<void>)[] = [];

  constructor(readonly app: string) {
    this.registry.setDefaultLabels({ app });
    // The event-loop delay monitor samples on a timer; 10 ms (the default) would tick 100 times a second.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
    const registers = [this.registry];
    // Every scrape-time gauge of the registry refreshes through one hook run per scrape (see onScrape).
    const refresh = () => this.refreshOnScrape();
    this.consumed = new Counter({
      name: 'esoz_messages_consumed_total',
      help: 'Kafka messages consumed',
      labelNames: ['topic'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'esoz_messages_dead_lettered_total',
      help: 'Messages sent to a DLQ, by consumed topic and reason code',
      labelNames: ['topic', 'reason'],
      registers,
    });
    this.retried = new Counter({
      name: 'esoz_batch_retries_total',
      help: 'Batch retries after retriable errors',
      labelNames: ['topic', 'kind'],
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'esoz_batch_duration_seconds',
      help: 'Time to process one consumed batch',
      labelNames: ['topic'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.statuses = new Counter({
      name: 'esoz_statuses_recorded_total',
      help: 'Notification statuses recorded (and announced) by status and channel',
      labelNames: ['status', 'channel'],
      registers,
    });
    this.providerCalls = new Counter({
      name: 'esoz_provider_calls_total',
      help: 'Provider send attempts by channel and result (ACCEPTED or a reason code)',
      labelNames: ['channel', 'result'],
      registers,
    });
    this.outboxPublished = new Counter({
      name: 'esoz_outbox_published_total',
      help: 'Outbox messages published to Kafka',
      labelNames: ['topic'],
      registers,
    });
    this.smsProviderUp = new Gauge({
      name: 'esoz_sms_provider_up',
      help: 'SMS provider takes traffic (1) or is out (0)',
      labelNames: ['provider'],
      registers,
    });
    this.smsProviderChanges = new Counter({
      name: 'esoz_sms_provider_changes_total',
      help: 'SMS providers taken out (OUT, with the reason) or brought back (BACK)',
      labelNames: ['provider', 'change', 'reason'],
      registers,
    });
    this.smsProviderAttempts = new Counter({
      name: 'esoz_sms_provider_attempts_total',
      help: 'SMS provider attempts by outcome',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.smsFailovers = new Counter({
      name: 'esoz_sms_failovers_total',
      help: 'SMS sent through another provider than the first choice, by reason',
      labelNames: ['from', 'to', 'reason'],
      registers,
    });
    this.fallbacks = new Counter({
      name: 'esoz_fallbacks_total',
      help: 'Hand-overs to the next channel, by the channel given up and the reason code',
      labelNames: ['channel', 'reason'],
      registers,
    });
    this.endToEnd = new Histogram({
      name: 'esoz_notification_end_to_end_seconds',
      help: 'From the event occurredAt to its terminal status, by type, terminal channel and terminal status',
      labelNames: ['type', 'channel', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.providerDuration = new Histogram({
      name: 'esoz_provider_request_duration_seconds',
      help: 'Provider API calls by provider, channel, operation (send, status) and outcome',
      labelNames: ['provider', 'channel', 'operation', 'outcome'],
      buckets: PROVIDER_BUCKETS,
      registers,
    });
    this.fetchLag = new Gauge({
      name: 'esoz_kafka_consumer_fetch_lag_messages',
      help: 'Messages behind the high watermark after the last batch this replica consumed, per partition',
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.committedLag = new Gauge({
      name: 'esoz_kafka_consumer_lag_messages',
      help: "Messages between the group's committed offset and the high watermark (what KEDA scales on)",
      labelNames: ['group', 'topic', 'partition'],
      registers,
      collect: refresh,
    });
    this.groupMembers = new Gauge({
      name: 'esoz_kafka_consumer_group_members',
      help: "Members of the app's consumer group as the coordinator lists them",
      labelNames: ['group'],
      registers,
      collect: refresh,
    });
    this.consumerJoined = new Gauge({
      name: 'esoz_kafka_consumer_joined',
      help: '1 while this replica is a working member of its consumer group (what /health/ready reports)',
      registers,
      collect: refresh,
    });
    this.assignedPartitions = new Gauge({
      name: 'esoz_kafka_consumer_assigned_partitions',
      help: 'Partitions assigned to this replica, per topic',
      labelNames: ['topic'],
      registers,
      collect: refresh,
    });
    this.rebalances = new Counter({
      name: 'esoz_kafka_consumer_rebalances_total',
      help: 'Consumer group rebalances this replica took part in',
      registers,
    });
    this.outboxBacklog = new Gauge({
      name: 'esoz_outbox_backlog_messages',
      help: 'Outbox rows not yet published (counted up to a cap, see docs/operations.md)',
      registers,
      collect: refresh,
    });
    this.outboxOldestAge = new Gauge({
      name: 'esoz_outbox_oldest_message_age_seconds',
      help: 'Age of the oldest unpublished outbox row (0 when empty)',
      registers,
      collect: refresh,
    });
    this.deliveriesPending = new Gauge({
      name: 'esoz_deliveries_pending',
      help: 'Deliveries not finished, by channel and state (PENDING: to attempt, SENT: awaiting a report)',
      labelNames: ['channel', 'state'],
      registers,
      collect: refresh,
    });
    this.timersOverdue = new Gauge({
      name: 'esoz_delivery_timers_overdue',
      help: 'Durable timers (attempt, report_deadline) due for more than the grace period and not handled',
      labelNames: ['channel', 'timer'],
      registers,
      collect: refresh,
    });
    this.timersLateness = new Gauge({
      name: 'esoz_delivery_timer_lateness_seconds',
      help: 'How long the most overdue timer has been due (0 when none is due)',
      labelNames: ['channel', 'timer'],
      registers,
      collect: refresh,
    });
    this.collectorErrors = new Counter({
      name: 'esoz_scrape_collector_errors_total',
      help: 'Scrape-time collectors that failed or timed out (their gauges keep the last values)',
      labelNames: ['collector'],
      registers,
    });
  }

  // ---- what the pipeline calls ---------------------------------------------------------------------------

  /**
   * Once per status the database kept (what `recordStatuses` returns), with the event's type and
   * `occurredAt` when the caller has them (the delivery command, the notification row): counts it, counts a
   * FALLBACK by reason, and times a terminal status end to end.
   */
  statusRecorded(status: StatusForMetrics, origin?: StatusOrigin): void {
    const channel = fromSet(CHANNELS, status.channel);
    const code = fromSet(STATUSES, status.status);
    this.statuses.inc({ status: code, channel });
    if (code === 'FALLBACK') this.fallbacks.inc({ channel, reason: this.fallbackReasons.of(status.reason) });
    if (!TERMINAL.has(code) || !origin) return;
    const occurred = Date.parse(origin.occurredAt);
    const at = status.at ? Date.parse(status.at) : Date.now();
    if (Number.isNaN(occurred) || Number.isNaN(at)) return;
    this.endToEnd.observe(
      { type: fromSet(TYPES, origin.type), channel, status: code },
      Math.max(0, (at - occurred) / 1000),
    );
  }

  /** Starts timing one provider call; call the result with the outcome (ACCEPTED, a reason code, UNAVAILABLE, ERROR). */
  providerCall(provider: string, channel: string, operation: 'send' | 'status'): (outcome: string) => void {
    const stop = this.providerDuration.startTimer({
      provider: safeName(provider),
      channel: fromSet(CHANNELS, channel),
      operation,
    });
    return (outcome) => {
      stop({ outcome: this.providerOutcomes.of(outcome) });
    };
  }

  /** From the consumer after each batch: `highWatermark - lastOffset - 1` of that partition. */
  recordLag(topic: string, partition: number, lag: number): void {
    this.fetchLag.set({ topic, partition: String(partition) }, Math.max(0, lag));
  }

  /** The same from a kafkajs batch: `metrics.recordBatchLag(payload.batch)` after the batch is committed. */
  recordBatchLag(batch: { topic: string; partition: number; offsetLag(): string }): void {
    this.recordLag(batch.topic, batch.partition, Number(batch.offsetLag()));
  }

  /** A dead letter, with the reason code bounded like every other code label. */
  deadLetter(topic: string, reason: string): void {
    this.deadLettered.inc({ topic, reason: this.deadLetterReasons.of(reason) });
  }

  consumerRebalanced(): void {
    this.rebalances.inc();
  }

  // ---- scrape-time sources (set by libs/runtime collectors) ----------------------------------------------

  /** Registers work to run (at most once per scrape) before the registry is read. */
  onScrape(hook: () => Promise<void>): void {
    this.scrapeHooks.push(hook);
  }

  setOutbox(sample: OutboxSample): void {
    this.outboxBacklog.set(sample.backlog);
    this.outboxOldestAge.set(sample.oldestAgeSeconds);
  }

  setDeliveries(sample: DeliverySample): void {
    const channel = fromSet(CHANNELS, sample.channel);
    this.deliveriesPending.set({ channel, state: 'PENDING' }, sample.pending);
    this.deliveriesPending.set({ channel, state: 'SENT' }, sample.awaitingReport);
    for (const timer of ['attempt', 'report_deadline'] as const) {
      this.timersOverdue.set({ channel, timer }, sample.overdue[timer].count);
      this.timersLateness.set({ channel, timer }, sample.overdue[timer].maxLatenessSeconds);
    }
  }

  setLag(sample: LagSample): void {
    this.committedLag.reset();
    for (const { topic, partition, lag } of sample.partitions)
      this.committedLag.set({ group: sample.groupId, topic, partition: String(partition) }, Math.max(0, lag));
    this.groupMembers.set({ group: sample.groupId }, sample.members);
  }

  setMembership(joined: boolean, assigned: Record<string, number>): void {
    this.consumerJoined.set(joined ? 1 : 0);
    this.assignedPartitions.reset();
    for (const [topic, count] of Object.entries(assigned)) this.assignedPartitions.set({ topic }, count);
  }

  /** Every metric name this registry exports (dashboard and alert rules are checked against it). */
  metricNames(): string[] {
    return this.registry.getMetricsAsArray().map((metric) => metric.name);
  }

  private scraping?: Promise<void>;

  /**
   * prom-client calls each gauge's collect synchronously, one after the other, when a scrape starts; the
   * hooks run once for all of them (and never without a scrape). The run is released in a microtask, so the
   * gauges of this scrape share it and the next scrape starts its own.
   */
  private refreshOnScrape(): Promise<void> {
    if (!this.scraping) {
      this.scraping = Promise.allSettled(this.scrapeHooks.map((hook) => hook())).then(() => undefined);
      queueMicrotask(() => (this.scraping = undefined));
    }
    return this.scraping;
  }
}

const safeName = (value: string) => (/^[a-z0-9][a-z0-9_-]{0,31}$/.test(value) ? value : 'other');
