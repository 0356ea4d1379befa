/** Aggregation of interleaved bench rounds (npm run bench): rotating order, per-round ratios, summaries. */
import { describe, expect, it } from 'vitest';
import { roundOrder, roundRatios, summarize } from '../../src-main/core/bench/interleaved-stats.js';

describe('roundOrder', () => {
  it('visits every engine once per round and starts one further each round', () => {
    expect(roundOrder(0, 4)).toEqual([0, 1, 2, 3]);
    expect(roundOrder(1, 4)).toEqual([1, 2, 3, 0]);
    expect(roundOrder(5, 4)).toEqual([1, 2, 3, 0]);
    expect(roundOrder(3, 1)).toEqual([0]);
    // over n rounds every engine takes every position exactly once
    const firsts = [0, 1, 2].map((r) => roundOrder(r, 3)[0]);
    expect(firsts.sort()).toEqual([0, 1, 2]);
  });
  it('rejects an empty engine list', () => {
    expect(() => roundOrder(0, 0)).toThrow(/at least one engine/);
  });
});

describe('roundRatios', () => {
  it('takes the ratio within each round, so a load burst hitting one round cancels', () => {
    // round 3 is 10x slower for both engines (load); candidate is always 2x faster
    const base = [4, 4.2, 40, 3.8, 4];
    const cand = [2, 2.1, 20, 1.9, 2];
    const r = roundRatios(base, cand);
    expect(r).toEqual({ rounds: 5, median: 2, p10: 2, p90: 2 });
  });
  it('gives the median (mean of the middle two for even counts) and nearest-rank p10/p90', () => {
    const cand = Array.from({ length: 10 }, () => 1);
    const base = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    const r = roundRatios(base, cand);
    expect(r.median).toBeCloseTo(5.5);
    expect(r.p10).toBe(1);
    expect(r.p90).toBe(9);
    expect(r.rounds).toBe(10);
  });
  it('differs from the ratio of medians when load is not shared', () => {
    const r = roundRatios([1, 1, 3], [1, 3, 1]);
    expect(r.median).toBe(1);
    expect(r.p10).toBeCloseTo(1 / 3);
    expect(r.p90).toBe(3);
  });
  it('rejects mismatched, empty or non-positive rounds with the round named', () => {
    expect(() => roundRatios([1, 2], [1])).toThrow(/2 baseline rounds but 1 candidate/);
    expect(() => roundRatios([], [])).toThrow(/no rounds/);
    expect(() => roundRatios([1, 0], [1, 1])).toThrow(/round 1 has a non-positive time/);
    expect(() => roundRatios([1, 1], [1, Number.NaN])).toThrow(/round 1/);
  });
});

describe('summarize', () => {
  it('reports wall median/p90/min/max and the CPU median', () => {
    const s = summarize({ wall: [5, 1, 4, 2, 3], cpu: [10, 30, 20, 50, 40] });
    expect(s).toEqual({ runs: 5, median_ms: 3, p90_ms: 5, min_ms: 1, max_ms: 5, median_cpu_ms: 30 });
  });
});
