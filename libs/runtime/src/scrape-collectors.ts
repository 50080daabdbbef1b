import type { AppMetrics, DeliverySample, DeliveryTimer } from '@app/platform';
import type { Admin, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { ConsumerMembership } from './consumer-membership';

/**
 * Scrape-time gauges. Nothing here runs unless something reads `/metrics`: each collector is a hook of
 * AppMetrics that prom-client calls during a scrape. A collector runs at most once per `minIntervalMs`
 * (several Prometheus replicas, a curl in a loop, share one query) and is bounded by `timeoutMs`; on failure
 * the gauges keep their last values and `esoz_scrape_collector_errors_total{collector}` counts it.
 */
export abstract class ScrapeCollector {
  private last = 0;
  private running?: Promise<void>;

  protected constructor(
    readonly name: string,
    protected readonly metrics: AppMetrics,
    private readonly minIntervalMs: number,
    private readonly timeoutMs: number,
  ) {}

  register(): this {
    this.metrics.onScrape(() => this.maybeCollect());
    return this;
  }

  /** Runs the collection unless one ran less than `minIntervalMs` ago; never rejects. */
  maybeCollect(now = Date.now()): Promise<void> {
    if (this.running) return this.running;
    if (now - this.last < this.minIntervalMs) return Promise.resolve();
    this.last = now;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} timed out`)), this.timeoutMs);
    });
    this.running = Promise.race([this.collect(), timeout])
      .catch(() => {
        this.metrics.collectorErrors.inc({ collector: this.name });
      })
      .finally(() => {
        clearTimeout(timer);
        this.running = undefined;
      });
    return this.running;
  }

  protected abstract collect(): Promise<void>;

  async close(): Promise<void> {}
}

/** Outbox rows beyond this are reported as this many: counting a huge backlog would itself load Postgres. */
export const OUTBOX_COUNT_CAP = 100_000;
export const DELIVERY_COUNT_CAP = 100_000;

async function boundedQuery<T>(
  dataSource: DataSource,
  sql: string,
  params: unknown[],
  ms: number,
): Promise<T[]> {
  return dataSource.transaction(async (manager) => {
    await manager.query(`SET LOCAL statement_timeout = ${Math.floor(ms)}`);
    return (await manager.query(sql, params)) as T[];
  });
}

/**
 * Outbox backlog and the age of its oldest row: a primary-key walk capped at OUTBOX_COUNT_CAP rows, and the
 * first row by id (ids grow with time). Every app reports the same table: query `max()` across apps.
 */
export class OutboxCollector extends ScrapeCollector {
  constructor(
    private readonly dataSource: DataSource,
    metrics: AppMetrics,
    minIntervalMs = 5000,
  ) {
    super('outbox', metrics, minIntervalMs, 2000);
  }

  protected async collect(): Promise<void> {
    if (!this.dataSource.isInitialized) throw new Error('database not connected');
    const [row] = await boundedQuery<{ backlog: string; oldest_age: string | null }>(
      this.dataSource,
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox_message LIMIT $1) capped) AS backlog,
              (SELECT EXTRACT(EPOCH FROM now() - created_at) FROM outbox_message ORDER BY id LIMIT 1) AS oldest_age`,
      [OUTBOX_COUNT_CAP],
      1500,
    );
    this.metrics.setOutbox({
      backlog: Number(row.backlog),
      oldestAgeSeconds: Math.max(0, Number(row.oldest_age ?? 0)),
    });
  }
}

/**
 * Deliveries not finished and durable timers overdue for one channel. Each sub-select walks one of the
 * partial indexes of the delivery table (`delivery_due`: PENDING by next_attempt_at, `delivery_awaiting_report`:
 * SENT by report_deadline_at), counts are capped, and the lateness is the first index entry (min).
 */
export class DeliveryCollector extends ScrapeCollector {
  constructor(
    private readonly dataSource: DataSource,
    metrics: AppMetrics,
    private readonly channel: string,
    /** A timer due for less than this is still normal work for the next worker pass. */
    private readonly graceSeconds = 5,
    minIntervalMs = 5000,
  ) {
    super(`deliveries_${channel.toLowerCase()}`, metrics, minIntervalMs, 2000);
  }

  protected async collect(): Promise<void> {
    if (!this.dataSource.isInitialized) throw new Error('database not connected');
    const [row] = await boundedQuery<Record<string, string | null>>(
      this.dataSource,
      `SELECT
         (SELECT count(*) FROM (SELECT 1 FROM delivery WHERE channel = $1 AND state = 'PENDING' LIMIT $2) p) AS pending,
         (SELECT count(*) FROM (SELECT 1 FROM delivery WHERE channel = $1 AND state = 'SENT' LIMIT $2) s) AS awaiting,
         (SELECT count(*) FROM (SELECT 1 FROM delivery WHERE channel = $1 AND state = 'PENDING'
            AND next_attempt_at < now() - make_interval(secs => $3) LIMIT $2) a) AS attempt_overdue,
         (SELECT count(*) FROM (SELECT 1 FROM delivery WHERE channel = $1 AND state = 'SENT'
            AND report_deadline_at < now() - make_interval(secs => $3) LIMIT $2) r) AS report_overdue,
         (SELECT EXTRACT(EPOCH FROM now() - min(next_attempt_at)) FROM delivery
            WHERE channel = $1 AND state = 'PENDING') AS attempt_lateness,
         (SELECT EXTRACT(EPOCH FROM now() - min(report_deadline_at)) FROM delivery
            WHERE channel = $1 AND state = 'SENT') AS report_lateness`,
      [this.channel, DELIVERY_COUNT_CAP, this.graceSeconds],
      1500,
    );
    const lateness = (value: string | null) => Math.max(0, Number(value ?? 0));
    const overdue: DeliverySample['overdue'] = {
      attempt: { count: Number(row.attempt_overdue), maxLatenessSeconds: lateness(row.attempt_lateness) },
      report_deadline: {
        count: Number(row.report_overdue),
        maxLatenessSeconds: lateness(row.report_lateness),
      },
    };
    this.metrics.setDeliveries({
      channel: this.channel,
      pending: Number(row.pending),
      awaitingReport: Number(row.awaiting),
      overdue,
    });
  }
}

export const DELIVERY_TIMERS: DeliveryTimer[] = ['attempt', 'report_deadline'];

/**
 * The group's lag per topic and partition as the coordinator sees it (committed offset against the high
 * watermark: what KEDA scales on), and the group's member count. Three admin requests per collection. Every
 * replica reports the whole group: query `max by (topic, partition)`.
 */
export class KafkaLagCollector extends ScrapeCollector {
  private admin?: Admin;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly topics: string[],
    metrics: AppMetrics,
    minIntervalMs = 5000,
  ) {
    super('kafka_lag', metrics, minIntervalMs, 4000);
  }

  protected async collect(): Promise<void> {
    const admin = await this.connect();
    const [committed, ends, described] = await Promise.all([
      admin.fetchOffsets({ groupId: this.groupId, topics: this.topics }),
      Promise.all(
        this.topics.map(async (topic) => ({ topic, offsets: await admin.fetchTopicOffsets(topic) })),
      ),
      admin.describeGroups([this.groupId]),
    ]);
    const partitions: { topic: string; partition: number; lag: number }[] = [];
    for (const { topic, offsets } of ends) {
      const group = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
      for (const { partition, high, low } of offsets) {
        const offset = Number(group.find((entry) => entry.partition === partition)?.offset ?? -1);
        // No commit yet: the group starts at the beginning (the apps subscribe fromBeginning).
        const position = offset >= 0 ? offset : Number(low);
        partitions.push({ topic, partition, lag: Math.max(0, Number(high) - position) });
      }
    }
    const group = described.groups.find((entry) => entry.groupId === this.groupId);
    this.metrics.setLag({ groupId: this.groupId, members: group?.members.length ?? 0, partitions });
  }

  private async connect(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  override async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect();
  }
}

/** This replica's own membership (no I/O): joined or not, partitions assigned. */
export class MembershipCollector extends ScrapeCollector {
  constructor(
    private readonly membership: ConsumerMembership,
    metrics: AppMetrics,
  ) {
    super('membership', metrics, 0, 1000);
  }

  protected collect(): Promise<void> {
    const snapshot = this.membership.snapshot();
    if (snapshot.consuming) this.metrics.setMembership(snapshot.joined, snapshot.assigned);
    return Promise.resolve();
  }
}

/** The collectors of one app, closed with it (the lag collector holds an admin connection). */
export class ScrapeCollectors {
  private readonly collectors: ScrapeCollector[] = [];

  add<T extends ScrapeCollector>(collector: T): T {
    this.collectors.push(collector.register());
    return collector;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.collectors.splice(0).map((collector) => collector.close()));
  }
}
