/**
 * Group commit for a handler that takes a batch: items submitted while batches are being handled wait and
 * go together in the next one. No added latency when idle, few calls for many items under load. Up to
 * `concurrency` batches run at once. Each submit settles with the outcome of the batch that carried it.
 */
export class Coalescer<T> {
  private waiting: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private running = 0;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handle: (items: T[]) => Promise<void>,
    private readonly maxBatch = 500,
    private readonly concurrency = 1,
  ) {}

  /** Items submitted and not yet handled (waiting or in a running batch). */
  get backlog(): number {
    return this.waiting.length + this.inBatches;
  }

  private inBatches = 0;

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Resolves when nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.backlog === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.running++;
      this.inBatches += batch.length;
      void this.run(batch);
    }
  }

  private async run(batch: { item: T; resolve: () => void; reject: (error: unknown) => void }[]) {
    try {
      await this.handle(batch.map((entry) => entry.item));
      for (const entry of batch) entry.resolve();
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.running--;
      this.inBatches -= batch.length;
      this.pump();
      if (this.backlog === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }
}
