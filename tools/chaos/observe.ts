import { dlqTopic, CONSUMED_TOPICS, TERMINAL_STATUSES, Topic, type NotificationStatus } from '@app/contracts';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { Pool, type QueryResultRow } from 'pg';
import { sleep } from '../lib/net';
import { wire } from '../lib/kafka';

/**
 * The harness's own database access. Postgres is restarted during the run, so every query is retried
 * for a while instead of failing the run (and idle clients' errors must not crash the process).
 */
export class Db {
  private readonly pool: Pool;

  constructor(url: string) {
    this.pool = new Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 3000 });
    this.pool.on('error', () => undefined);
  }

  async query<T extends QueryResultRow>(
    sql: string,
    params: unknown[] = [],
    retryForMs = 60_000,
  ): Promise<T[]> {
    const deadline = Date.now() + retryForMs;
    for (;;) {
      try {
        return (await this.pool.query<T>(sql, params)).rows;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  }

  end(): Promise<void> {
    return this.pool.end().catch(() => undefined);
  }
}

export interface TerminalSeen {
  status: string;
  channel?: string;
  notificationId?: string;
  offset: string;
  partition: number;
}

export interface DeadLetter {
  topic: string;
  key: string | null;
  reason: string;
  group: string;
  originalOffset?: string;
}

/**
 * One consumer on the input topic, the status topic and every DLQ, in a group of its own: it sees which of
 * our events reached the system, what the system announces to upstream (terminal statuses per event,
 * including republished copies) and what it dead-letters.
 */
export class TopicProbe {
  readonly terminals = new Map<string, TerminalSeen[]>();
  readonly deadLetters: DeadLetter[] = [];
  /** Our event ids found on esoz.notification.requested.v1 (what the system could see). */
  readonly inputEvents = new Set<string>();
  private readonly start = new Map<string, number>();
  private readonly position = new Map<string, number>();
  private consumer?: Consumer;
  readonly topics = [
    Topic.NotificationRequested as string,
    Topic.NotificationStatus as string,
    ...CONSUMED_TOPICS.map(dlqTopic),
  ].map(wire);

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    /** Only statuses of these events are kept (the broker may be shared). */
    private readonly isOurs: (eventId: string) => boolean,
    /** Only dead letters written by our consumer groups are kept. */
    private readonly groupPrefix: string,
  ) {}

  /**
   * Records where the topics end now (for the DLQ growth count). The probe's group is new and reads
   * every topic from its beginning: it filters by event id and group prefix, and fresh topics (the
   * chaos cluster) hold only this run anyway. (Committing start offsets first would take a group join per
   * topic, ~5 s each.)
   */
  async recordEnds(admin: Admin): Promise<void> {
    for (const topic of this.topics) {
      for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
        this.start.set(`${topic}:${partition}`, Number(high));
      }
    }
  }

  async begin(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      maxWaitTimeInMs: 200,
      allowAutoTopicCreation: false,
      sessionTimeout: 30_000,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) this.observe(batch.topic, batch.partition, message);
        const last = batch.messages.at(-1);
        if (last) this.position.set(`${batch.topic}:${batch.partition}`, Number(last.offset) + 1);
      },
    });
  }

  private observe(
    topic: string,
    partition: number,
    message: { key: Buffer | null; value: Buffer | null; offset: string; headers?: Record<string, unknown> },
  ): void {
    if (topic === wire(Topic.NotificationRequested)) {
      const eventId = parseField(message.value, 'eventId');
      if (eventId && this.isOurs(eventId)) this.inputEvents.add(eventId);
      return;
    }
    if (topic === wire(Topic.NotificationStatus)) {
      if (!message.value) return;
      let status: NotificationStatus;
      try {
        status = JSON.parse(message.value.toString('utf8')) as NotificationStatus;
      } catch {
        return;
      }
      if (!this.isOurs(status.eventId) || !TERMINAL_STATUSES.has(status.status)) return;
      const seen = this.terminals.get(status.eventId) ?? [];
      seen.push({
        status: status.status,
        channel: status.channel,
        notificationId: status.notificationId,
        offset: message.offset,
        partition,
      });
      this.terminals.set(status.eventId, seen);
      return;
    }
    const header = (name: string) => {
      const value = message.headers?.[name];
      return value === undefined ? undefined : String(value);
    };
    const group = header('x-consumer-group') ?? '';
    if (!group.startsWith(`${this.groupPrefix}.`)) return;
    this.deadLetters.push({
      topic,
      key: message.key?.toString('utf8') ?? null,
      reason: header('x-dlq-reason') ?? '?',
      group,
      originalOffset: header('x-original-offset'),
    });
  }

  /** True once everything written to the probed topics so far has been read. */
  async caughtUp(admin: Admin): Promise<boolean> {
    for (const topic of this.topics) {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        const key = `${topic}:${partition}`;
        if (Number(high) > Number(low) && (this.position.get(key) ?? 0) < Number(high)) return false;
      }
    }
    return true;
  }

  /** Messages written to each DLQ since the run started, by anyone (ours are in `deadLetters`). */
  async dlqGrowth(admin: Admin): Promise<Record<string, number>> {
    const growth: Record<string, number> = {};
    for (const topic of this.topics.filter((name) => name.endsWith('.dlq'))) {
      let count = 0;
      for (const { partition, high } of await admin.fetchTopicOffsets(topic))
        count += Number(high) - (this.start.get(`${topic}:${partition}`) ?? 0);
      growth[topic] = count;
    }
    return growth;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}

function parseField(value: Buffer | null, field: string): string | undefined {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(value.toString('utf8')) as Record<string, unknown>;
    return typeof parsed[field] === 'string' ? (parsed[field] as string) : undefined;
  } catch {
    return undefined;
  }
}

export interface DiiaPushView {
  id: string;
  status: string;
  time: string;
}

/**
 * The Diia stub keeps its pushes in memory and loses them when it is killed: poll its list every few
 * seconds (and just before each kill) and keep the union by push id.
 */
export class DiiaPushCollector {
  readonly pushes = new Map<string, DiiaPushView>();
  private timer?: NodeJS.Timeout;
  private busy = false;

  constructor(private readonly url: string) {}

  start(intervalMs = 2000): void {
    this.timer = setInterval(() => void this.poll(), intervalMs);
  }

  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const response = await fetch(`${this.url}/__control/messages`, { signal: AbortSignal.timeout(3000) });
      if (!response.ok) return;
      for (const push of (await response.json()) as DiiaPushView[]) this.pushes.set(push.id, push);
    } catch {
      // down (killed, restarting): the next poll catches up
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
