import { performance } from 'node:perf_hooks';
import type { Message, Producer } from 'kafkajs';
import { sleep } from '../lib/net';
import { summarize, type LatencySummary } from './stats';

/** Produce and arrival times per message id (event id), on this process's monotonic clock. */
export class ArrivalTracker {
  readonly producedAt = new Map<string, number>();
  readonly arrivedAt = new Map<string, number>();

  /** Records the first arrival of an id we produced; later duplicates are ignored. */
  arrived(id: string, at = performance.now()): void {
    if (this.producedAt.has(id) && !this.arrivedAt.has(id)) this.arrivedAt.set(id, at);
  }

  /**
   * Sends `messages` in batches of `batchSize` (one sendBatch call each, awaited in turn), stamping each
   * id's produce time just before its batch is handed to kafkajs.
   */
  async produce(
    producer: Producer,
    topic: string,
    messages: (Message & { id: string })[],
    batchSize: number,
  ): Promise<void> {
    for (let start = 0; start < messages.length; start += batchSize) {
      const batch = messages.slice(start, start + batchSize);
      const now = performance.now();
      for (const message of batch) this.producedAt.set(message.id, now);
      await producer.sendBatch({
        topicMessages: [{ topic, messages: batch.map(({ key, value }) => ({ key, value })) }],
      });
    }
  }

  /**
   * Waits until every id arrived, or nothing new arrived for `idleMs`, or `deadline` (epoch ms) passed.
   * Returns the ids still missing.
   */
  async waitFor(ids: string[], idleMs: number, deadline: number): Promise<string[]> {
    let missing = ids.filter((id) => !this.arrivedAt.has(id));
    let lastProgress = Date.now();
    while (missing.length > 0 && Date.now() - lastProgress < idleMs && Date.now() < deadline) {
      await sleep(100);
      const still = missing.filter((id) => !this.arrivedAt.has(id));
      if (still.length < missing.length) lastProgress = Date.now();
      missing = still;
    }
    return missing;
  }

  /** Throughput from the first produce to the last arrival, and produce→arrival latencies, over `ids`. */
  measure(ids: string[]): { throughputPerSecond: number; spanMs: number; latencyMs: LatencySummary } {
    const produced = ids.map((id) => this.producedAt.get(id)!).filter((at) => at !== undefined);
    const arrived = ids.filter((id) => this.arrivedAt.has(id));
    const latencies = arrived.map((id) => this.arrivedAt.get(id)! - this.producedAt.get(id)!);
    const spanMs = Math.max(...arrived.map((id) => this.arrivedAt.get(id)!)) - Math.min(...produced);
    return {
      throughputPerSecond: Math.round((arrived.length / spanMs) * 1000),
      spanMs: Math.round(spanMs),
      latencyMs: summarize(latencies),
    };
  }
}
