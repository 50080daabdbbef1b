export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Offset commits, at most one per interval: each is a write to __consumer_offsets, and one per batch per
 * partition was most of the broker's work. Committing less often never loses anything (effects are durable
 * first); a crash or a rebalance replays at most one interval, which every handler absorbs idempotently.
 */
export class OffsetCommits {
  private readonly pending = new Map<string, PartitionOffset>();
  private lastCommitAt = 0;
  private timer?: NodeJS.Timeout;
  private committing?: Promise<void>;

  constructor(
    private readonly commit: (offsets: PartitionOffset[]) => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown, count: number) => void,
  ) {}

  /** Records the next offset to read; commits now if the interval has passed, else soon. */
  async done(topic: string, partition: number, offset: string): Promise<void> {
    this.pending.set(`${topic}:${partition}`, { topic, partition, offset });
    const wait = this.lastCommitAt + this.intervalMs - Date.now();
    if (wait <= 0) return this.flush();
    this.timer ??= setTimeout(() => void this.flush(), wait);
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.committing;
    if (this.pending.size === 0) return;
    const offsets = [...this.pending.values()];
    this.pending.clear();
    this.lastCommitAt = Date.now();
    this.committing = this.commit(offsets)
      .catch((error: unknown) => this.onError(error, offsets.length))
      .finally(() => (this.committing = undefined));
    await this.committing;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
