import { scheduleCheckPendingRequests } from './kafkajs-patches';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: object };

function queue(pending: unknown[], throttledUntil = -1) {
  const state = {
    throttleCheckTimeoutId: null as NodeJS.Timeout | null,
    throttledUntil,
    pending,
    checks: 0,
    checkPendingRequests() {
      state.checks++;
      scheduleCheckPendingRequests.call(state);
    },
    scheduleCheckPendingRequests() {
      scheduleCheckPendingRequests.call(state);
    },
  };
  return state;
}

describe('kafkajs request queue patch', () => {
  beforeEach(() => jest.useFakeTimers({ now: 5_000 }));
  afterEach(() => jest.useRealTimers());

  it('is installed on kafkajs itself', () => {
    expect(
      (RequestQueue.prototype as { scheduleCheckPendingRequests: unknown }).scheduleCheckPendingRequests,
    ).toBe(scheduleCheckPendingRequests);
  });

  it('arms no timer when nothing is queued and nothing throttles (kafkajs spun every 1 ms here)', async () => {
    const idle = queue([]);
    idle.scheduleCheckPendingRequests();
    await jest.advanceTimersByTimeAsync(1000);
    expect(idle.checks).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('re-checks a queue that holds requests every 10 ms until it is empty', async () => {
    const busy = queue(['a request']);
    busy.scheduleCheckPendingRequests();
    await jest.advanceTimersByTimeAsync(25);
    expect(busy.checks).toBe(2);
    busy.pending.length = 0;
    await jest.advanceTimersByTimeAsync(100);
    expect(busy.checks).toBe(3);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('checks again when a broker throttle ends, even with nothing queued', async () => {
    const throttled = queue([], Date.now() + 300);
    throttled.scheduleCheckPendingRequests();
    await jest.advanceTimersByTimeAsync(299);
    expect(throttled.checks).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(throttled.checks).toBe(1);
  });
});
