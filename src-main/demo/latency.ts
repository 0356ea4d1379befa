/**
 * Latency of several engines measured fairly on a shared machine: all of them in one loop in
 * one process, one run each per round, the order rotated every round (so no engine always
 * runs right after the same one), after warm-up rounds. A burst of load from another process
 * then hits every engine alike instead of whichever was being timed at that moment.
 */
import type { LoadNote } from '../contract/demo.js';

export type { LoadNote };
import os from 'node:os';
import { latencyStats, type LatencyStats } from '../core/bench/latency-stats.js';

export interface Timed {
  name: string;
  run: () => unknown;
}

export interface InterleaveOptions {
  runs: number;
  /** untimed rounds first (default 2) */
  warmup?: number;
  /** milliseconds clock (default performance.now; tests pass a fake one) */
  now?: () => number;
}

/** Per engine (in the order given), the summary of its `runs` timed runs. */
export async function measureInterleaved(engines: readonly Timed[], o: InterleaveOptions): Promise<LatencyStats[]> {
  const { runs, warmup = 2, now = () => performance.now() } = o;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`latency runs must be an integer >= 1 (got ${runs})`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`latency warm-up runs must be an integer >= 0 (got ${warmup})`);
  if (engines.length === 0) return [];
  for (let w = 0; w < warmup; w++) for (const e of engines) await e.run();
  const times: number[][] = engines.map(() => []);
  const k = engines.length;
  for (let r = 0; r < runs; r++) {
    for (let j = 0; j < k; j++) {
      const i = (r + j) % k;
      const t0 = now();
      await engines[i]!.run();
      times[i]!.push(now() - t0);
    }
  }
  return times.map((t) => latencyStats(t));
}

export function loadNote(loadAvgStart: number, loadAvgEnd: number, cores: number): LoadNote {
  return { loadAvgStart, loadAvgEnd, cores, loaded: Math.max(loadAvgStart, loadAvgEnd) > cores * 0.5 };
}

/** The 1-minute load average (0 where the OS has none, e.g. Windows). */
export function loadAvg1(): number {
  return os.loadavg()[0] ?? 0;
}
