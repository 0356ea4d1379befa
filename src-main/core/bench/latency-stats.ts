import type { LatencyStats } from '../../contract/bench.js';

export type { LatencyStats };

/** Nearest-rank percentile of sorted values (p in [0, 100]). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of an empty list');
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function latencyStats(timesMs: readonly number[]): LatencyStats {
  const s = [...timesMs].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  return { runs: n, median_ms: median, p90_ms: percentile(s, 90), min_ms: s[0]!, max_ms: s[n - 1]! };
}
