/** Wall-clock latency of one image: warm-up runs, then the median of `runs` timed runs. */

export interface Latency {
  medianMs: number;
  minMs: number;
  runs: number;
}

export async function measureLatency(run: () => unknown, runs: number, warmup = 2): Promise<Latency> {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`latency runs must be an integer >= 1 (got ${runs})`);
  for (let i = 0; i < warmup; i++) await run();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  const mid = t.length >> 1;
  const medianMs = t.length % 2 ? t[mid]! : (t[mid - 1]! + t[mid]!) / 2;
  return { medianMs, minMs: t[0]!, runs };
}
