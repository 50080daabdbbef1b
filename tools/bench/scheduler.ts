/**
 * The open-loop load generator's clock: a step offers `ratePerSecond` for `durationMs`, whatever the system
 * does with it. Each tick hands over the events due since the previous one, computed from the elapsed
 * time rather than counted per tick, so a late tick (a busy event loop, a slow produce) is made up at the
 * next one and the step still offers exactly rate × duration in its duration.
 */
export class RateSchedule {
  readonly total: number;

  constructor(
    readonly ratePerSecond: number,
    readonly durationMs: number,
  ) {
    if (!(ratePerSecond > 0) || !(durationMs > 0)) throw new Error('rate and duration must be positive');
    this.total = Math.round((ratePerSecond * durationMs) / 1000);
  }

  /** Events that should have been offered `elapsedMs` after the step started. */
  dueBy(elapsedMs: number): number {
    if (elapsedMs <= 0) return 0;
    if (elapsedMs >= this.durationMs) return this.total;
    return Math.min(this.total, Math.floor((this.ratePerSecond * elapsedMs) / 1000));
  }
}

export interface OpenLoopStats {
  offered: number;
  ticks: number;
  largestBatch: number;
  /** Ticks that came more than two tick intervals after the previous one (the generator itself lagged). */
  lateTicks: number;
  wallMs: number;
  /** True when stopped by the signal before the schedule was complete. */
  aborted: boolean;
}

export interface OpenLoopOptions {
  tickMs: number;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
  signal?: AbortSignal;
}

/**
 * Runs `schedule`: every `tickMs`, calls `send(count, at)` with the events now due (never awaited: the
 * caller tracks its own sends). Resolves when all were handed over, or when `signal` aborts.
 */
export function runOpenLoop(
  schedule: RateSchedule,
  options: OpenLoopOptions,
  send: (count: number, at: number) => void,
): Promise<OpenLoopStats> {
  const now = options.now ?? (() => performance.now());
  const start = now();
  const stats: OpenLoopStats = {
    offered: 0,
    ticks: 0,
    largestBatch: 0,
    lateTicks: 0,
    wallMs: 0,
    aborted: false,
  };
  let previousTick = start;
  return new Promise((resolve) => {
    const finish = () => {
      clearInterval(timer);
      options.signal?.removeEventListener('abort', onAbort);
      stats.wallMs = now() - start;
      resolve(stats);
    };
    const onAbort = () => {
      stats.aborted = true;
      finish();
    };
    const tick = () => {
      const at = now();
      stats.ticks++;
      if (at - previousTick > 2 * options.tickMs) stats.lateTicks++;
      previousTick = at;
      const due = schedule.dueBy(at - start);
      const count = due - stats.offered;
      if (count > 0) {
        stats.offered = due;
        stats.largestBatch = Math.max(stats.largestBatch, count);
        send(count, at);
      }
      if (stats.offered >= schedule.total) finish();
    };
    const timer = setInterval(tick, options.tickMs);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
