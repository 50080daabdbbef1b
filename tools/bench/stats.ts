/** Latency summary in milliseconds (nearest-rank percentiles), rounded to 0.1 ms. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

const round = (value: number) => Math.round(value * 10) / 10;

/** Nearest-rank percentile of an ascending array: the smallest value with at least `quantile` at or below it. */
export function nearestRank(sorted: readonly number[], quantile: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(quantile * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(latenciesMs: number[]): LatencySummary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / (sorted.length || 1);
  return {
    count: sorted.length,
    p50: round(nearestRank(sorted, 0.5)),
    p95: round(nearestRank(sorted, 0.95)),
    p99: round(nearestRank(sorted, 0.99)),
    max: round(sorted.at(-1) ?? NaN),
    mean: round(mean),
  };
}

/**
 * Percentiles over every event that was offered, including those that never arrived (counted as "later
 * than anything we waited for"). A percentile that falls on such an event is `null`: it is not known, only
 * that it is above the wait. So a step that loses or strands 2% of its events has no p99, which is honest,
 * where percentiles over the arrived events alone would look fine.
 */
export interface CensoredSummary {
  offered: number;
  arrived: number;
  missing: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  /** Mean of the arrived events only. */
  meanArrived: number | null;
}

export function summarizeCensored(arrivedLatenciesMs: number[], missing: number): CensoredSummary {
  const sorted = [...arrivedLatenciesMs].sort((a, b) => a - b);
  const offered = sorted.length + missing;
  const at = (quantile: number): number | null => {
    if (offered === 0) return null;
    const index = Math.min(offered - 1, Math.max(0, Math.ceil(quantile * offered) - 1));
    return index < sorted.length ? round(sorted[index]) : null;
  };
  return {
    offered,
    arrived: sorted.length,
    missing,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: missing > 0 || sorted.length === 0 ? null : round(sorted[sorted.length - 1]),
    meanArrived:
      sorted.length === 0 ? null : round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
  };
}
