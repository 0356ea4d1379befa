import { describe, expect, it } from 'vitest';
import { gridFactors, validateSettings, DEFAULT_SETTINGS } from '../../src-main/core/calib/settings.js';
import { quantizeValue, requantValue, rne } from '../../src-main/core/quant/rounding.js';
import { qmaxForBits } from '../../src-main/core/quant/scale-table.js';

describe('rounding and quantization arithmetic', () => {
  it('rounds half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001].map(rne)).toEqual([0, 2, 2, -0, -2, -2, 2, 3]);
  });
  it('quantizes with float32 product and clips to ±qmax', () => {
    expect(quantizeValue(1000, 1, 127)).toBe(127);
    expect(quantizeValue(-1000, 1, 63)).toBe(-63);
    // 0.1 * 25 in float32 is 2.5 exactly after rounding to float32 → ties to even = 2
    expect(quantizeValue(0.1, 25, 127)).toBe(rne(Math.fround(0.1 * 25)));
  });
  it('requantizes an accumulator through float32', () => {
    expect(requantValue(1000, 0.0125, -127, 127)).toBe(12); // 12.5 → 12 (even)
    expect(requantValue(-100000, 0.01, 0, 127)).toBe(0);
  });
  it('qmax per bit width', () => {
    expect(qmaxForBits(8)).toBe(127);
    expect(qmaxForBits(7)).toBe(63);
    expect(qmaxForBits(4)).toBe(7);
  });
});

describe('EQ candidate grid', () => {
  it('has n points in [alpha, beta] and contains the initial scale exactly', () => {
    for (const [a, b, n] of [
      [0.5, 2, 100],
      [0.5, 2, 7],
      [0.8, 1.3, 10],
      [0.3, 3, 2],
    ] as const) {
      const g = gridFactors(a, b, n);
      expect(g).toContain(1);
      expect(g[0]).toBeCloseTo(a, 12);
      expect(g[g.length - 1]).toBeCloseTo(b, 12);
      expect(g.length === n || g.length === n + 1).toBe(true);
      for (let i = 1; i < g.length; i++) expect(g[i]!).toBeGreaterThan(g[i - 1]!);
    }
  });
  it('rejects bad settings with a specific message', () => {
    expect(() => validateSettings({ ...DEFAULT_SETTINGS, bits: 9 })).toThrow(/--bits must be an integer from 4 to 8 \(got 9\)/);
    expect(() => validateSettings({ ...DEFAULT_SETTINGS, steps: 0 })).toThrow(/--steps must be an integer >= 1 \(got 0\)/);
    expect(() => validateSettings({ ...DEFAULT_SETTINGS, alpha: 2, beta: 1 })).toThrow(/--beta must be greater than --alpha/);
  });
});
