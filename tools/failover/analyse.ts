import { summarize, type LatencySummary } from '../bench/stats';

/** Longer than the sampling period (200 ms): see partitionStalls. */
const SETTLE_MS = 300;

/** One poll of a consumer group's progress on one partition (milliseconds on the harness's clock). */
export interface OffsetSample {
  at: number;
  partition: number;
  committed: number;
  high: number;
}

export interface PartitionVerdict {
  partition: number;
  /** Replica that owned the partition before the kill. */
  owner: string;
  ownedByVictim: boolean;
  /** Longest time the partition had messages waiting and its committed offset did not move. */
  maxStallMs: number;
  /** When the longest stall started, relative to the kill. */
  maxStallFromKillMs: number;
  /** For the victim's partitions: from the kill to the first commit after it (another member consuming). */
  resumedAfterKillMs?: number;
}

/**
 * Stalls per partition from periodic samples: a stall is an interval during which the partition had lag
 * (high watermark above the committed offset) and the committed offset did not move. It starts at the
 * last sample where the offset moved (or lag appeared) and ends at the first sample where it moves again.
 */
export function partitionStalls(
  samples: OffsetSample[],
  killAt: number,
  owners: Map<number, string>,
  victim: string,
): PartitionVerdict[] {
  const byPartition = new Map<number, OffsetSample[]>();
  for (const sample of samples) {
    const list = byPartition.get(sample.partition) ?? [];
    list.push(sample);
    byPartition.set(sample.partition, list);
  }
  const verdicts: PartitionVerdict[] = [];
  for (const [partition, list] of [...byPartition].sort((a, b) => a[0] - b[0])) {
    list.sort((a, b) => a.at - b.at);
    let maxStallMs = 0;
    let maxStallStart = 0;
    let stallStart: number | undefined;
    let resumedAfterKillMs: number | undefined;
    // The offset the victim left: read one sampling period after the kill, since a sample taken just before
    // it may not show the victim's last commit yet (which would look like another member resuming).
    const settled = list.find((sample) => sample.at >= killAt + SETTLE_MS);
    const committedAtKill = settled?.committed;
    for (let index = 0; index < list.length; index++) {
      const sample = list[index];
      const previous = list[index - 1];
      const moved = previous !== undefined && sample.committed !== previous.committed;
      const waiting = sample.high > sample.committed;
      if (moved || !waiting) {
        if (stallStart !== undefined && sample.at - stallStart > maxStallMs) {
          maxStallMs = sample.at - stallStart;
          maxStallStart = stallStart;
        }
        stallStart = waiting ? sample.at : undefined;
      } else if (stallStart === undefined) {
        stallStart = previous?.at ?? sample.at;
      }
      if (
        resumedAfterKillMs === undefined &&
        committedAtKill !== undefined &&
        sample.at > settled!.at &&
        sample.committed > committedAtKill
      )
        resumedAfterKillMs = Math.round(sample.at - killAt);
    }
    const last = list.at(-1);
    if (stallStart !== undefined && last && last.at - stallStart > maxStallMs) {
      maxStallMs = last.at - stallStart;
      maxStallStart = stallStart;
    }
    const owner = owners.get(partition) ?? '?';
    verdicts.push({
      partition,
      owner,
      ownedByVictim: owner === victim,
      maxStallMs: Math.round(maxStallMs),
      maxStallFromKillMs: Math.round(maxStallStart - killAt),
      ...(owner === victim ? { resumedAfterKillMs } : {}),
    });
  }
  return verdicts;
}

export interface TimelineRow {
  /** Bucket start, seconds relative to the kill. */
  fromS: number;
  produced: number;
  delivered: number;
  latency: LatencySummary;
}

/** Events by the second they were produced (relative to the kill), with their produce → DELIVERED latency. */
export function latencyTimeline(
  producedAt: Map<string, number>,
  deliveredAt: Map<string, number>,
  killAt: number,
  bucketMs = 2000,
): TimelineRow[] {
  const buckets = new Map<number, { produced: number; latencies: number[] }>();
  for (const [id, at] of producedAt) {
    const bucket = Math.floor((at - killAt) / bucketMs);
    const row = buckets.get(bucket) ?? { produced: 0, latencies: [] };
    row.produced++;
    const delivered = deliveredAt.get(id);
    if (delivered !== undefined) row.latencies.push(delivered - at);
    buckets.set(bucket, row);
  }
  return [...buckets]
    .sort((a, b) => a[0] - b[0])
    .map(([bucket, row]) => ({
      fromS: (bucket * bucketMs) / 1000,
      produced: row.produced,
      delivered: row.latencies.length,
      latency: summarize(row.latencies),
    }));
}
