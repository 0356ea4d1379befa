/** Powell's direction-set method on known functions, its budgets and its monotonicity. */
import { describe, expect, it } from 'vitest';
import { parabolaDrop, powell } from '../../src-main/core/calib/powell.js';

describe('powell', () => {
  it('finds the minimum of a shifted, coupled quadratic', async () => {
    const f = (x: Float64Array) => (x[0]! - 1) ** 2 + 3 * (x[1]! + 2) ** 2 + (x[0]! - 1) * (x[1]! + 2) + 0.5;
    const r = await powell(f, [0, 0], { step: 0.5, maxSweeps: 30, tol: 1e-12 });
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(-2, 3);
    expect(r.fx).toBeCloseTo(0.5, 6);
    expect(r.f0).toBeCloseTo(1 + 12 + -2 + 0.5, 9);
  });

  it('makes Rosenbrock-like progress and never goes uphill', async () => {
    const seen: number[] = [];
    const f = (x: Float64Array) => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
    const r = await powell(f, [-1.2, 1], { step: 0.2, maxSweeps: 200, tol: 1e-14, onImprove: (_x, fx) => void seen.push(fx) });
    expect(r.f0).toBeCloseTo(24.2, 9);
    expect(r.fx).toBeLessThan(1e-3);
    expect(Math.abs(r.x[0]! - 1)).toBeLessThan(0.05);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeLessThan(seen[i - 1]!);
    expect(seen.at(-1)).toBe(r.fx);
  });

  it('keeps to the evaluation budget and returns the best point seen', async () => {
    let n = 0;
    const f = (x: Float64Array) => {
      n++;
      return x.reduce((a, v, i) => a + (v - i) ** 2, 0);
    };
    const r = await powell(f, [0, 0, 0, 0], { maxEvals: 7, maxSweeps: 100 });
    expect(r.stop).toBe('evals');
    expect(n).toBe(7);
    expect(r.evals).toBe(7);
    expect(r.fx).toBeLessThan(r.f0);
    expect(f(r.x)).toBeCloseTo(r.fx, 12);
  });

  it('stops when asked (cancel) or when the time is up, with the best point so far', async () => {
    let calls = 0;
    const f = async (x: Float64Array) => {
      calls++;
      return (x[0]! - 3) ** 2;
    };
    const c = await powell(f, [0], { shouldStop: () => calls >= 3, maxSweeps: 100 });
    expect(c.stop).toBe('cancelled');
    expect(c.fx).toBeLessThan(9);
    calls = 0;
    const t = await powell(f, [0], { timeUp: () => calls >= 4, maxSweeps: 100 });
    expect(t.stop).toBe('time');
    expect(calls).toBe(4);
  });

  it('does not move on a flat function and reports convergence', async () => {
    const r = await powell(() => 2, [0.3, -0.1], { step: 0.1, minStep: 0.05, maxSweeps: 5 });
    expect(r.stop).toBe('converged');
    expect(Array.from(r.x)).toEqual([0.3, -0.1]);
    expect(r.sweeps).toBe(1);
  });

  it('treats a non-finite value as worse than any finite one', async () => {
    const f = (x: Float64Array) => (x[0]! > 0.05 ? NaN : (x[0]! + 1) ** 2);
    const r = await powell(f, [0], { step: 0.1, maxSweeps: 5 });
    expect(r.x[0]!).toBeLessThan(0);
    expect(Number.isFinite(r.fx)).toBe(true);
  });

  it('skips a parabolic refinement that would gain too little or move too little, saving evaluations', async () => {
    // separable: coordinate 0 matters, the others barely (their refinements gain < 0.1 % of f)
    const w = [1, 1e-6, 1e-6, 1e-6];
    const count = async (o: { refineTol?: number; xTol?: number }) => {
      let n = 0;
      const f = (x: Float64Array) => {
        n++;
        return 0.01 + x.reduce((a, v, i) => a + w[i]! * (v - 0.13) ** 2, 0);
      };
      const r = await powell(f, [0, 0, 0, 0], { step: 0.1, maxSweeps: 1, ...o });
      return { n, fx: r.fx, x0: r.x[0]! };
    };
    const full = await count({});
    const lean = await count({ refineTol: 1e-3 });
    expect(lean.n).toBeLessThan(full.n);
    expect(full.n - lean.n).toBeGreaterThanOrEqual(3); // at least the three flat coordinates' refinements
    expect(lean.x0).toBeCloseTo(0.13, 9); // the one that matters is still refined (exact on a parabola)
    expect(lean.fx).toBeCloseTo(full.fx, 5);
    const moveTol = await count({ xTol: 0.05 });
    expect(moveTol.n).toBeLessThan(full.n);
  });

  it('parabolaDrop is the decrease the fitted parabola predicts', () => {
    // f(t) = (t - 1)^2 through t = 0, 2, 3: at t = 1 it predicts 0, a drop of f(2) = 1 from b = 2
    expect(parabolaDrop(0, 1, 2, 1, 3, 4, 1)).toBeCloseTo(1, 12);
    expect(parabolaDrop(-1, 4, 0, 1, 1, 0, 1)).toBeCloseTo(1, 12);
  });

  it('with skipFailed, a direction that found nothing sits out the next sweep only', async () => {
    // coordinate 0 needs work, coordinates 1-3 are already at their minimum
    const run = async (skipFailed: boolean) => {
      const f = (x: Float64Array) => (x[0]! - 1) ** 2 + x[1]! ** 2 + x[2]! ** 2 + x[3]! ** 2;
      const r = await powell(f, [0, 0, 0, 0], { step: 0.1, maxSweeps: 3, skipFailed });
      return { evals: r.evals, fx: r.fx };
    };
    const plain = await run(false);
    const skip = await run(true);
    expect(skip.evals).toBeLessThan(plain.evals);
    expect(skip.fx).toBeLessThanOrEqual(plain.fx + 1e-9);
    expect(skip.fx).toBeLessThan(1e-6);
  });
});
