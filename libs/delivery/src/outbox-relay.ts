import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { OutboxRow } from './outbox';
import type { OutboxPublisher } from './outbox-publisher';

export interface OutboxRelayOptions {
  /** How often to look for rows left behind. */
  sweepEveryMs: number;
  /** A row this old that no publisher of this process holds was left behind (a crash, a failed send). */
  abandonedAfterMs: number;
  batchSize: number;
}

const DEFAULTS: OutboxRelayOptions = { sweepEveryMs: 5000, abandonedAfterMs: 2000, batchSize: 500 };

/**
 * The crash net behind OutboxPublisher: every few seconds (and at start) it publishes outbox rows that were
 * committed but never published and deleted, e.g. because the process died right after a commit. Rows are
 * locked with SKIP LOCKED, so the relays of several replicas never publish the same leftover twice; a crash
 * between send and delete republishes, which consumers absorb by their idempotency keys.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;
  private readonly options: OutboxRelayOptions;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    private readonly logger: Logger,
    options: Partial<OutboxRelayOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.sweep()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'outbox sweep failed, will retry'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.options.sweepEveryMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sweeping?.catch(() => undefined);
    await this.publisher.idle();
  }

  /** Publishes every left-behind row; returns how many. */
  sweep(): Promise<number> {
    this.sweeping ??= this.sweepAll().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const { seen, published } = await this.sweepOnce();
      total += published;
      if (seen < this.options.batchSize) break;
    }
    if (total > 0) this.logger.info({ count: total }, 'outbox: published rows left behind');
    return total;
  }

  private sweepOnce(): Promise<{ seen: number; published: number }> {
    return this.dataSource.transaction(async (manager) => {
      // ORDER BY the column, not the text `id` of the select list: as text, row 1000 sorted before row 999.
      const rows: OutboxRow[] = await manager.query(
        `SELECT id::text, topic, key, value, headers FROM outbox_message
         WHERE created_at < now() - make_interval(secs => $1)
         ORDER BY outbox_message.id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [this.options.abandonedAfterMs / 1000, this.options.batchSize],
      );
      const mine = rows.filter((row) => !this.publisher.isInFlight(row.id));
      if (mine.length === 0) return { seen: rows.length, published: 0 };
      await this.publisher.publishNow(mine);
      await manager.query(`DELETE FROM outbox_message WHERE id = ANY($1::bigint[])`, [
        mine.map((row) => row.id),
      ]);
      return { seen: rows.length, published: mine.length };
    });
  }
}
