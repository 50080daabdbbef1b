/**
 * kafkajs 2.2.4 (its last release) re-arms a timer in every connection's request queue forever, even
 * with nothing queued: `throttledUntil` is -1, so the delay is negative, the timer fires after 1 ms and
 * re-arms itself (tulios/kafkajs#1556, #1704; PR #1667 is not merged). Each app spent 3–8% of a core on it
 * while idle. Our rule: check again only while requests are queued or the broker throttles us; a new
 * request and every answered one check the queue anyway. Applied once, when this module loads.
 */
interface RequestQueueInternals {
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  throttledUntil: number;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs's own interval for re-checking a queue that holds requests. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as {
  prototype: RequestQueueInternals & { esozPatched?: boolean };
};

export function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  if (this.pending.length === 0 && untilUnthrottled <= 0) return;
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
}

if (!RequestQueue.prototype.esozPatched) {
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  RequestQueue.prototype.esozPatched = true;
}
