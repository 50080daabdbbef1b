import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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

  constructor(app: string) {
    this.registry.setDefaultLabels({ app });
    // The event-loop delay monitor samples on a timer; 10 ms (the default) would tick 100 times a second.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
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
  }
}
