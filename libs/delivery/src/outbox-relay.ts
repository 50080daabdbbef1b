import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { KafkaProducer } from '@app/kafka';
import type { AppMetrics } from '@app/platform';
import { PollingLoop } from './polling-loop';

interface OutboxRow {
  id: string;
  topic: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/**
 * Publishes outbox rows to Kafka and deletes them. Rows are locked with SKIP LOCKED so several relays
 * (one per app instance) share the work without publishing a row twice in normal operation; a crash between
 * send and delete republishes, which consumers absorb by their idempotency keys.
 */
export class OutboxRelay {
  private readonly loop: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: KafkaProducer,
    private readonly logger: Logger,
    private readonly metrics?: AppMetrics,
    private readonly pollIntervalMs = 200,
    private readonly batchSize = 500,
  ) {
    this.loop = new PollingLoop(() => this.flush(), pollIntervalMs, logger, 'outbox publish');
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Called right after a transaction that enqueued messages, so they go out without waiting for a poll. */
  kick(): void {
    this.loop.wake();
  }

  /** Publishes everything pending now; returns how many messages went out. */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.publishOnce();
      total += published;
      if (published < this.batchSize) return total;
    }
  }

  private async publishOnce(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows: OutboxRow[] = await manager.query(
        `SELECT id, topic, key, value, headers FROM outbox_message ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      const byTopic = new Map<
        string,
        { key: string | null; value: string; headers: Record<string, string> }[]
      >();
      for (const row of rows) {
        const messages = byTopic.get(row.topic) ?? [];
        messages.push({ key: row.key, value: row.value, headers: row.headers });
        byTopic.set(row.topic, messages);
      }
      await this.producer.sendBatch([...byTopic].map(([topic, messages]) => ({ topic, messages })));
      await manager.query(`DELETE FROM outbox_message WHERE id = ANY($1::bigint[])`, [
        rows.map((row) => row.id),
      ]);
      for (const [topic, messages] of byTopic) this.metrics?.outboxPublished.inc({ topic }, messages.length);
      return rows.length;
    });
  }
}
