import { RateSchedule, runOpenLoop } from './scheduler';

describe('RateSchedule', () => {
  it('spreads rate × duration over the step and never more', () => {
    const schedule = new RateSchedule(200, 10_000);
    expect(schedule.total).toBe(2000);
    expect(schedule.dueBy(0)).toBe(0);
    expect(schedule.dueBy(10)).toBe(2);
    expect(schedule.dueBy(5_000)).toBe(1000);
    expect(schedule.dueBy(9_999)).toBe(1999);
    expect(schedule.dueBy(60_000)).toBe(2000);
  });

  it('handles rates below one per tick', () => {
    const schedule = new RateSchedule(3, 2_000);
    expect([0, 300, 340, 667, 1_000, 2_000].map((ms) => schedule.dueBy(ms))).toEqual([0, 0, 1, 2, 3, 6]);
  });

  it('refuses nonsense', () => {
    expect(() => new RateSchedule(0, 1000)).toThrow();
    expect(() => new RateSchedule(10, -1)).toThrow();
  });
});

describe('runOpenLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('offers exactly the schedule, one batch per tick', async () => {
    const batches: number[] = [];
    const done = runOpenLoop(new RateSchedule(1000, 1000), { tickMs: 10, now: () => Date.now() }, (count) =>
      batches.push(count),
    );
    await jest.advanceTimersByTimeAsync(1000);
    const stats = await done;
    expect(stats.offered).toBe(1000);
    expect(batches.reduce((sum, count) => sum + count, 0)).toBe(1000);
    expect(batches.every((count) => count === 10)).toBe(true);
    expect(stats.lateTicks).toBe(0);
  });

  it('keeps the offered rate when the generator stalls: the next tick catches up', async () => {
    const batches: number[] = [];
    let stallOnce = true;
    const done = runOpenLoop(new RateSchedule(100, 2000), { tickMs: 10, now: () => Date.now() }, (count) => {
      batches.push(count);
      if (stallOnce && batches.length === 5) {
        stallOnce = false;
        jest.setSystemTime(Date.now() + 500); // the event loop was blocked for half a second
      }
    });
    await jest.advanceTimersByTimeAsync(2000);
    const stats = await done;
    expect(stats.offered).toBe(200);
    expect(batches.reduce((sum, count) => sum + count, 0)).toBe(200);
    expect(stats.largestBatch).toBeGreaterThanOrEqual(50);
    expect(stats.lateTicks).toBe(1);
    expect(stats.aborted).toBe(false);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    let offered = 0;
    const done = runOpenLoop(
      new RateSchedule(100, 10_000),
      { tickMs: 10, now: () => Date.now(), signal: controller.signal },
      (count) => (offered += count),
    );
    await jest.advanceTimersByTimeAsync(1000);
    controller.abort();
    const stats = await done;
    expect(stats.aborted).toBe(true);
    expect(stats.offered).toBe(offered);
    expect(offered).toBe(100);
  });
});
