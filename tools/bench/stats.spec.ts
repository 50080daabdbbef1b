import { nearestRank, summarize, summarizeCensored } from './stats';

describe('latency percentiles', () => {
  const hundred = Array.from({ length: 100 }, (_, index) => index + 1); // 1..100 ms

  it('uses nearest rank: the smallest value with at least q of the values at or below it', () => {
    expect(nearestRank(hundred, 0.5)).toBe(50);
    expect(nearestRank(hundred, 0.99)).toBe(99);
    expect(nearestRank(hundred, 1)).toBe(100);
    expect(nearestRank([7], 0.99)).toBe(7);
    expect(nearestRank([], 0.5)).toBeNaN();
  });

  it('summarizes unsorted input without changing it', () => {
    const input = [30, 10, 20];
    expect(summarize(input)).toEqual({ count: 3, p50: 20, p95: 30, p99: 30, max: 30, mean: 20 });
    expect(input).toEqual([30, 10, 20]);
  });

  it('counts events that never arrived as later than anything seen', () => {
    // 98 arrived (1..98 ms), 2 missing: p50 and p95 are known, p99 falls on a missing one.
    const summary = summarizeCensored(hundred.slice(0, 98), 2);
    expect(summary).toMatchObject({
      offered: 100,
      arrived: 98,
      missing: 2,
      p50: 50,
      p95: 95,
      p99: null,
      max: null,
    });
    expect(summary.meanArrived).toBe(49.5);
  });

  it('is the plain summary when nothing is missing', () => {
    expect(summarizeCensored(hundred, 0)).toMatchObject({ p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('knows nothing when nothing arrived', () => {
    expect(summarizeCensored([], 5)).toMatchObject({ p50: null, p99: null, max: null, meanArrived: null });
    expect(summarizeCensored([], 0)).toMatchObject({ offered: 0, p50: null });
  });
});
