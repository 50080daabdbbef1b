/**
 * Group commit for a handler that takes a batch: items submitted while a batch is being handled wait and
 * go together in the next one. No added latency when idle, one call for many items under load. Each
 * submit settles with the outcome of the batch that carried it.
 */
export class Coalescer<T> {
  private waiting: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private running = false;

  constructor(
    private readonly handle: (items: T[]) => Promise<void>,
    private readonly maxBatch = 500,
  ) {}

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxBatch);
        try {
          await this.handle(batch.map((entry) => entry.item));
          for (const entry of batch) entry.resolve();
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
