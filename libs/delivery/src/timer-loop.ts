import type { Logger } from 'pino';

/**
 * Runs `pass` when woken (new work was committed), when the next timer it knows of falls due, and otherwise
 * only every `safetyMs` (timers other replicas wrote, clock drift). `pass` returns the time of the next due
 * timer it saw, so an idle app sleeps instead of polling. A failing pass is logged and retried after a
 * second; `stop()` waits for the pass in flight.
 */
export class TimerLoop {
  private running = false;
  private loop?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private resolveSleep?: () => void;
  private sleepUntil = Infinity;
  /** Earliest time asked for by `wakeAt` since the current pass began. */
  private requested = Infinity;
  private woken = false;

  constructor(
    private readonly pass: () => Promise<number | undefined>,
    private readonly safetyMs: number,
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

  /** Run a pass as soon as the current one (if any) is done. */
  wake(): void {
    this.woken = true;
    this.resolveSleep?.();
  }

  /** Make sure a pass runs at `epochMs` (a retry or a deadline this process just wrote). */
  wakeAt(epochMs: number): void {
    this.requested = Math.min(this.requested, epochMs);
    if (epochMs < this.sleepUntil && this.resolveSleep) this.arm(epochMs);
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      this.requested = Infinity;
      let next: number;
      try {
        next = (await this.pass()) ?? Infinity;
      } catch (error) {
        this.logger.warn({ err: error }, `${this.what} failed, will retry`);
        next = Date.now() + 1000;
      }
      if (!this.running || this.woken) continue;
      await this.sleep(Math.min(next, this.requested, Date.now() + this.safetyMs));
    }
  }

  private sleep(until: number): Promise<void> {
    return new Promise((resolve) => {
      this.resolveSleep = () => {
        clearTimeout(this.timer);
        this.resolveSleep = undefined;
        this.sleepUntil = Infinity;
        resolve();
      };
      this.arm(until);
    });
  }

  private arm(until: number): void {
    clearTimeout(this.timer);
    this.sleepUntil = until;
    const wake = this.resolveSleep!;
    this.timer = setTimeout(wake, Math.max(0, until - Date.now()));
  }
}
