/**
 * Aggregation of interleaved benchmark rounds: every round times each engine once (in a rotating
 * order), so load on a shared machine hits all engines of a round alike and per-round ratios
 * cancel most of it. Pure: the timing loop lives in pipeline/bench-rounds.ts.
 */
import { latencyStats, percentile, type LatencyStats } from './latency-stats.js';

/** The order in which round `round` visits `n` engines: starts one further each round. */
export function roundOrder(round: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`roundOrder: need at least one engine (got ${n})`);
  const start = ((round % n) + n) % n;
  return Array.from({ length: n }, (_, i) => (start + i) % n);
}

export interface RatioStats {
  rounds: number;
  median: number;
  p10: number;
  p90: number;
}

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/**
 * Per-round speed-up of `candidate` over `baseline` (baseline ms / candidate ms of the same
 * round; > 1 means the candidate is faster): median and nearest-rank p10/p90 over the rounds.
 */
export function roundRatios(baselineMs: readonly number[], candidateMs: readonly number[]): RatioStats {
  if (baselineMs.length !== candidateMs.length) throw new Error(`roundRatios: ${baselineMs.length} baseline rounds but ${candidateMs.length} candidate rounds`);
  if (baselineMs.length === 0) throw new Error('roundRatios: no rounds');
  const r = baselineMs.map((b, i) => {
    const c = candidateMs[i]!;
    if (!(b > 0) || !(c > 0)) throw new Error(`roundRatios: round ${i} has a non-positive time (${b} ms, ${c} ms)`);
    return b / c;
  });
  r.sort((a, b) => a - b);
  return { rounds: r.length, median: median(r), p10: percentile(r, 10), p90: percentile(r, 90) };
}

export interface EngineRounds {
  /** wall-clock ms, one per round */
  wall: number[];
  /** process CPU ms (all threads), one per round */
  cpu: number[];
}

export interface EngineSummary extends LatencyStats {
  median_cpu_ms: number;
}

export function summarize(t: EngineRounds): EngineSummary {
  return { ...latencyStats(t.wall), median_cpu_ms: latencyStats(t.cpu).median_ms };
}
