import type { Logger } from 'pino';
import type { TopicMessages } from 'kafkajs';
import type { KafkaProducer } from '@app/kafka';
import type { AppMetrics } from '@app/platform';
import { withPrefix } from '@app/contracts';
import type { OutboxRow, Queryable } from './outbox';

/** Messages per produce request: far below the broker's limits, large enough to carry a burst. */
const MAX_SEND = 1000;
/** Committed rows waiting for Kafka beyond which writers wait (a backlog must not fill the heap). */
const MAX_QUEUED = 5000;
/**
 * Published rows are deleted together, at most this long after publishing: a delete per produce cost a
 * round trip and a commit per notification. Until deleted they are held as in flight, so the relay leaves
 * them alone; a crash meanwhile only means the relay republishes them (consumers are idempotent).
 */
const DELETE_AFTER_MS = 1000;
/** ... or at once when this many are waiting. */
const DELETE_AT_COUNT = 1000;

/**
 * The fast path out of the outbox: rows a write just committed are published at once from memory (no poll,
 * no read-back), then deleted. One produce request is in flight at a time and everything committed
 * meanwhile rides on the next one, so batches grow with the load instead of requests. If publishing fails
 * the rows simply stay: the relay's sweep publishes what is left behind (a crash, Kafka down).
 */
export class OutboxPublisher {
  private queue: OutboxRow[] = [];
  private sending?: Promise<void>;
  private deletable: string[] = [];
  private deleting?: Promise<void>;
  private deleteTimer?: NodeJS.Timeout;
  /** Ids queued, being sent or awaiting deletion: the relay leaves them alone. */
  private readonly inFlight = new Set<string>();
  private roomWaiters: (() => void)[] = [];

  constructor(
    private readonly db: Queryable,
    private readonly producer: KafkaProducer,
    private readonly logger: Logger,
    private readonly metrics?: AppMetrics,
    /** KAFKA_TOPIC_PREFIX: rows keep contract topic names; the prefix is put on when they are sent. */
    private readonly topicPrefix = '',
    /** How long the first committed rows wait for others before a produce goes out (KAFKA_LINGER_MS). */
    private readonly lingerMs = 0,
  ) {}

  /** Queues committed rows for Kafka; returns at once. */
  publish(rows: OutboxRow[]): void {
    if (rows.length === 0) return;
    for (const row of rows) this.inFlight.add(row.id);
    this.queue.push(...rows);
    this.sending ??= this.drain();
  }

  /** Sends rows now and resolves once Kafka has them (the relay's sweep); throws if the send fails. */
  async publishNow(rows: OutboxRow[]): Promise<void> {
    await this.producer.sendBatch(byTopic(rows, this.topicPrefix));
    this.count(rows);
  }

  /**
   * Backpressure: resolves at once unless more than MAX_QUEUED committed rows wait for Kafka, then when the
   * queue is below half of that. Writers await it after publishing, so a consumer working through a backlog
   * goes at the pace Kafka takes the results instead of holding them all in memory.
   */
  room(): Promise<void> {
    if (this.queue.length <= MAX_QUEUED) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  isInFlight(id: string): boolean {
    return this.inFlight.has(id);
  }

  /** Resolves when everything queued so far is published and deleted (shutdown, tests). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.sending) await this.sending;
      else if (this.deleteTimer) this.deleteNow();
      else if (this.deleting) await this.deleting;
      else return;
    }
  }

  private async drain(): Promise<void> {
    try {
      // Only when idle: under load the produce in flight already gathers the next batch.
      if (this.lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_SEND);
        try {
          await this.producer.sendBatch(byTopic(batch, this.topicPrefix));
          this.count(batch);
          for (const row of batch) this.deletable.push(row.id);
          this.scheduleDelete();
        } catch (error) {
          this.logger.warn(
            { err: error, count: batch.length },
            'outbox publish failed; the relay will publish these rows',
          );
          for (const row of batch) this.inFlight.delete(row.id);
        }
        if (this.queue.length <= MAX_QUEUED / 2) this.releaseWriters();
      }
    } finally {
      this.sending = undefined;
      this.releaseWriters();
    }
  }

  private scheduleDelete(): void {
    if (this.deletable.length >= DELETE_AT_COUNT) this.deleteNow();
    else if (!this.deleteTimer && !this.deleting) {
      this.deleteTimer = setTimeout(() => this.deleteNow(), DELETE_AFTER_MS);
      this.deleteTimer.unref();
    }
  }

  private deleteNow(): void {
    clearTimeout(this.deleteTimer);
    this.deleteTimer = undefined;
    if (!this.deleting && this.deletable.length > 0) this.deleting = this.deleteDone();
  }

  /** Published rows are deleted in batches, one statement in flight; a lost delete only means a republish. */
  private async deleteDone(): Promise<void> {
    const ids = this.deletable.splice(0);
    try {
      await this.db.query(`DELETE FROM outbox_message WHERE id = ANY($1::bigint[])`, [ids]);
    } catch (error) {
      this.logger.warn({ err: error, count: ids.length }, 'outbox delete failed; rows will be republished');
    } finally {
      for (const id of ids) this.inFlight.delete(id);
      this.deleting = undefined;
      if (this.deletable.length > 0) this.scheduleDelete();
    }
  }

  private releaseWriters(): void {
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }

  private count(rows: OutboxRow[]): void {
    if (!this.metrics) return;
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(row.topic, (counts.get(row.topic) ?? 0) + 1);
    for (const [topic, count] of counts) this.metrics.outboxPublished.inc({ topic }, count);
  }
}

/** Order within a topic is commit order (and so per key), as the relay always kept it. */
export function byTopic(rows: OutboxRow[], prefix = ''): TopicMessages[] {
  const topics = new Map<string, TopicMessages>();
  for (const row of rows) {
    let entry = topics.get(row.topic);
    if (!entry) topics.set(row.topic, (entry = { topic: withPrefix(prefix, row.topic), messages: [] }));
    entry.messages.push({ key: row.key, value: row.value, headers: row.headers });
  }
  return [...topics.values()];
}
