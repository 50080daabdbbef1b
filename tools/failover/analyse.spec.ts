import { latencyTimeline, partitionStalls, type OffsetSample } from './analyse';

/** Samples every 250 ms of one partition whose committed offset follows `committedAt(t)`, with lag always. */
function samples(
  partition: number,
  fromMs: number,
  toMs: number,
  committedAt: (t: number) => number,
): OffsetSample[] {
  const out: OffsetSample[] = [];
  for (let at = fromMs; at <= toMs; at += 250) {
    const committed = committedAt(at);
    out.push({ at, partition, committed, high: committed + 3 });
  }
  return out;
}

describe('partitionStalls', () => {
  const killAt = 10_000;
  const owners = new Map([
    [0, 'r1'],
    [1, 'r2'],
  ]);

  it("measures the victim's partition from the kill to the first commit elsewhere, and each stall", () => {
    // Partition 0 (the victim's) stops at the kill and moves again 7 s later; partition 1 pauses 1 s.
    const p0 = samples(0, 0, 20_000, (t) =>
      t < killAt ? Math.floor(t / 250) : t < 17_000 ? 40 : 40 + Math.floor((t - 17_000) / 250) + 1,
    );
    const p1 = samples(1, 0, 20_000, (t) => (t >= 16_000 && t < 17_000 ? 64 : Math.floor(t / 250)));
    const [victim, other] = partitionStalls([...p0, ...p1], killAt, owners, 'r1');
    expect(victim).toMatchObject({ partition: 0, ownedByVictim: true, resumedAfterKillMs: 7000 });
    expect(victim.maxStallMs).toBe(7000);
    expect(other).toMatchObject({
      partition: 1,
      ownedByVictim: false,
      maxStallMs: 1000,
      maxStallFromKillMs: 6000,
    });
    expect(other.resumedAfterKillMs).toBeUndefined();
  });

  it("does not take the victim's own last commit, seen only after the kill, for another member resuming", () => {
    // Killed at 10.1 s; its commit of 10.0 s shows in the 10.25 s sample; another member resumes at 16 s.
    const p0 = samples(0, 0, 20_000, (t) => (t < 10_250 ? Math.floor(t / 250) : t < 16_000 ? 41 : 50));
    const [victim] = partitionStalls(p0, 10_100, owners, 'r1');
    expect(victim.resumedAfterKillMs).toBe(5900);
  });

  it('a partition without lag is never stalled, however long its offset stays', () => {
    const idle: OffsetSample[] = Array.from({ length: 40 }, (_, index) => ({
      at: index * 250,
      partition: 1,
      committed: 5,
      high: 5,
    }));
    expect(partitionStalls(idle, killAt, owners, 'r1')[0].maxStallMs).toBe(0);
  });
});

describe('latencyTimeline', () => {
  it('buckets events by produce time relative to the kill, with their latency', () => {
    const produced = new Map([
      ['a', 9000],
      ['b', 10_500],
      ['c', 11_000],
    ]);
    const delivered = new Map([
      ['a', 9100],
      ['b', 18_500],
    ]);
    const rows = latencyTimeline(produced, delivered, 10_000);
    expect(rows.map((row) => [row.fromS, row.produced, row.delivered, row.latency.max])).toEqual([
      [-2, 1, 1, 100],
      [0, 2, 1, 8000],
    ]);
  });
});
