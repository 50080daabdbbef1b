import pino from 'pino';
import { TimerLoop } from './timer-loop';

const logger = pino({ level: 'silent' });

describe('TimerLoop', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  function loop(next: () => number | undefined, safetyMs = 10_000) {
    const passes: number[] = [];
    const timers = new TimerLoop(
      async () => {
        passes.push(Date.now());
        return next();
      },
      safetyMs,
      logger,
      'test timers',
    );
    return { passes, timers };
  }

  it('sleeps until the next due timer the pass reports, not on a fixed tick', async () => {
    const { passes, timers } = loop(() => Date.now() + 3000);
    timers.start();
    await jest.advanceTimersByTimeAsync(0);
    await jest.advanceTimersByTimeAsync(2999);
    expect(passes).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(passes).toHaveLength(2);
    await timers.stop();
  });

  it('with nothing due, looks again only after the safety interval', async () => {
    const { passes, timers } = loop(() => undefined, 10_000);
    timers.start();
    await jest.advanceTimersByTimeAsync(9_999);
    expect(passes).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(passes).toHaveLength(2);
    await timers.stop();
  });

  it('wakeAt moves the next pass earlier, never later; wake runs one now', async () => {
    const { passes, timers } = loop(() => undefined, 60_000);
    timers.start();
    await jest.advanceTimersByTimeAsync(0);
    timers.wakeAt(Date.now() + 500);
    timers.wakeAt(Date.now() + 5_000);
    await jest.advanceTimersByTimeAsync(500);
    expect(passes).toHaveLength(2);
    timers.wake();
    await jest.advanceTimersByTimeAsync(0);
    expect(passes).toHaveLength(3);
    await timers.stop();
  });

  it('keeps a wakeAt asked for during a pass', async () => {
    const ref: { timers?: TimerLoop } = {};
    let first = true;
    const { passes, timers } = loop(() => {
      if (first) ref.timers!.wakeAt(Date.now() + 200);
      first = false;
      return undefined;
    }, 60_000);
    ref.timers = timers;
    timers.start();
    await jest.advanceTimersByTimeAsync(200);
    expect(passes).toHaveLength(2);
    await timers.stop();
  });

  it('retries a failing pass after a second', async () => {
    let calls = 0;
    const timers = new TimerLoop(
      async () => {
        calls++;
        if (calls === 1) throw new Error('database away');
        return undefined;
      },
      60_000,
      logger,
      'test timers',
    );
    timers.start();
    await jest.advanceTimersByTimeAsync(999);
    expect(calls).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    await timers.stop();
  });
});
