import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app with the pipeline's own series. Labels are codes and names, never personal data. */
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

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.consumed = new Counter({
      name: 'esoz_messages_consumed_total',
      help: 'Kafka messages consumed',
      labelNames: ['topic'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'esoz_messages_dead_lettered_total',
      help: 'Messages sent to a DLQ',
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
      help: 'Notification statuses recorded',
      labelNames: ['status', 'channel'],
      registers,
    });
    this.providerCalls = new Counter({
      name: 'esoz_provider_calls_total',
      help: 'Provider calls by result',
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
  }
}
