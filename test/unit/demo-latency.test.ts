/**
 * The demo's latency measurement with a fake clock: warm-up rounds untimed, every engine run
 * once per round with the order rotated each round, each run timed on its own, median and p90
 * (nearest rank) from the one latency-stats implementation; and the machine-load note.
 */
import { describe, expect, it } from 'vitest';
import { latencyStats, percentile } from '../../src-main/core/bench/latency-stats.js';
import { loadNote, measureInterleaved } from '../../src-main/demo/latency.js';

/** Engines that advance a fake clock by their cost; `extra(callIndex)` adds load to a given call. */
function fakeEngines(costs: Record<string, number>, extra: (call: number) => number = () => 0) {
  let clock = 0;
  const calls: string[] = [];
  const engines = Object.entries(costs).map(([name, cost]) => ({
    name,
    run: () => {
      clock += cost + extra(calls.length);
      calls.push(name);
    },
  }));
  return { engines, calls, now: () => clock };
}

describe('latency statistics', () => {
  it('median (mean of the middle two for an even count) and nearest-rank p90', () => {
    expect(latencyStats([5, 1, 4, 2, 3])).toEqual({ runs: 5, median_ms: 3, p90_ms: 5, min_ms: 1, max_ms: 5 });
    const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect(latencyStats(ten)).toMatchObject({ runs: 10, median_ms: 5.5, p90_ms: 9 });
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 90)).toBe(18);
  });
});

describe('interleaved latency', () => {
  it('runs warm-up rounds, then one run per engine per round with the order rotated', async () => {
    const { engines, calls, now } = fakeEngines({ A: 10, B: 20, C: 30 });
    const s = await measureInterleaved(engines, { runs: 4, warmup: 2, now });
    expect(calls.join('')).toBe('ABCABC' + 'ABC' + 'BCA' + 'CAB' + 'ABC');
    expect(s.map((x) => x.runs)).toEqual([4, 4, 4]);
    expect(s.map((x) => x.median_ms)).toEqual([10, 20, 30]);
  });

  it('times each run on its own, so a burst of load shows in p90 and not in the median', async () => {
    // the 2nd timed call of every round after the warm-up costs 100 ms more: with rotation it lands on each engine in turn
    const warm = 2 * 2;
    const { engines, now } = fakeEngines({ fp32: 50, int8: 25 }, (c) => (c >= warm && c % 2 === 1 && c < warm + 4 ? 100 : 0));
    const [fp32, int8] = await measureInterleaved(engines, { runs: 10, warmup: 2, now });
    expect(fp32).toEqual({ runs: 10, median_ms: 50, p90_ms: 50, min_ms: 50, max_ms: 150 });
    expect(int8).toEqual({ runs: 10, median_ms: 25, p90_ms: 25, min_ms: 25, max_ms: 125 });
    // a longer burst (3 of 10 runs of each engine) moves p90 but not the median
    const b = fakeEngines({ fp32: 50, int8: 25 }, (c) => (c >= warm && c < warm + 6 ? 100 : 0));
    const [f2, i2] = await measureInterleaved(b.engines, { runs: 10, warmup: 2, now: b.now });
    expect([f2!.median_ms, f2!.p90_ms, i2!.median_ms, i2!.p90_ms]).toEqual([50, 150, 25, 125]);
  });

  it('awaits asynchronous engines (onnxruntime) and rejects bad run counts', async () => {
    let clock = 0;
    const s = await measureInterleaved([{ name: 'async', run: async () => void (await Promise.resolve(), (clock += 7)) }], { runs: 3, warmup: 0, now: () => clock });
    expect(s[0]).toMatchObject({ runs: 3, median_ms: 7 });
    await expect(measureInterleaved([], { runs: 0 })).rejects.toThrow(/latency runs must be an integer >= 1 \(got 0\)/);
    await expect(measureInterleaved([], { runs: 2, warmup: -1 })).rejects.toThrow(/warm-up/);
  });
});

describe('machine-load note', () => {
  it('flags a 1-minute load average above half the cores, at start or end', () => {
    expect(loadNote(0.8, 0.9, 2).loaded).toBe(false);
    expect(loadNote(1.2, 0.5, 2)).toEqual({ loadAvgStart: 1.2, loadAvgEnd: 0.5, cores: 2, loaded: true });
    expect(loadNote(0.5, 6.1, 2).loaded).toBe(true);
    expect(loadNote(3.9, 3.9, 8).loaded).toBe(false);
  });
});
