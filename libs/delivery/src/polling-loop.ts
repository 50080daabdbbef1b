import type { Logger } from 'pino';

/**
 * Runs `pass` every `intervalMs`, or at once when woken (right after new work is committed, so the hot path
 * never waits for a poll). A failing pass is logged and retried after a second; `stop()` waits for the
 * pass in flight.
 */
export class PollingLoop {
  private running = false;
  private loop?: Promise<void>;
  private wakeSleeper?: () => void;

  constructor(
    private readonly pass: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  wake(): void {
    this.wakeSleeper?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.pass();
      } catch (error) {
        this.logger.warn({ err: error }, `${this.what} failed, will retry`);
        await this.sleep(1000);
      }
      if (this.running) await this.sleep(this.intervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleeper = done;
    });
  }
}
