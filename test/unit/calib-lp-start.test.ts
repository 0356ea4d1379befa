/**
 * LAPQ's Lp start: the Lp-optimal clip of a histogram (against the error measured directly on
 * the samples), per-channel weight clips, the choice of p by the output loss, and `--method
 * lapq` starting from the chosen Lp table on a tiny network.
 */
import { describe, expect, it } from 'vitest';
import { AbsHistogram } from '../../src-main/core/calib/histogram.js';
import { LP_CANDIDATES, lpClip, lpError, lpWeightScales } from '../../src-main/core/calib/lp-clip.js';
import { chooseLpStart } from '../../src-main/core/calib/lp-start.js';
import { fakeQuantArray } from '../../src-main/core/quant/rounding.js';
import { calibrate } from '../../src-main/pipeline/calib/calibrate.js';
import { parseCalibSettings } from '../../src-main/core/calib/settings.js';
import { lapqEvaluator } from '../../src-main/engines/lapq-evaluator.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import type { ScaleTable } from '../../src-main/core/quant/scale-table.js';
import type { ProgressEvent } from '../../src-main/core/calib/progress.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';

const N = 200_000;

function gaussian(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(r(), 1e-12);
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u));
    x[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) x[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return x;
}

function laplace(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => {
    const u = r() - 0.5;
    return -Math.sign(u) * Math.log(Math.max(1 - 2 * Math.abs(u), 1e-12));
  });
}

function histOf(x: Float32Array, bins = 4096): AbsHistogram {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  const h = new AbsHistogram(m, bins);
  h.add(x);
  return h;
}

/** mean |x − Q(x)|^p with the real quantizer (scale qmax / clip) */
function directError(x: Float32Array, clip: number, qmax: number, p: number): number {
  const q = fakeQuantArray(x, qmax / clip, qmax);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]! - q[i]!) ** p;
  return s / x.length;
}

describe('Lp-optimal clipping', () => {
  for (const [name, x] of [
    ['Gaussian', gaussian(N, 3)],
    ['Laplace', laplace(N, 4)],
  ] as const) {
    it(`${name}: the p=2 clip lies inside max|x| and below the p=4 clip; the returned clip is a minimum`, () => {
      const h = histOf(x);
      for (const qmax of [7, 15, 31]) {
        const c2 = lpClip(h, qmax, 2);
        const c4 = lpClip(h, qmax, 4);
        expect(c2).toBeGreaterThan(0);
        expect(c2).toBeLessThan(0.9 * h.max);
        expect(c2).toBeLessThan(c4);
        expect(c4).toBeLessThanOrEqual(h.max);
        for (const p of LP_CANDIDATES) {
          const c = lpClip(h, qmax, p);
          const e = lpError(h, c, qmax, p);
          for (const f of [0.9, 0.98, 0.995, 1.005, 1.02, 1.1]) if (c * f <= h.max) expect(e).toBeLessThanOrEqual(lpError(h, c * f, qmax, p));
        }
      }
    });

    it(`${name}: the histogram error matches the error of the real quantizer on the samples`, () => {
      const h = histOf(x);
      for (const [qmax, p, frac] of [
        [7, 2, 0.3],
        [15, 3, 0.5],
        [31, 4, 0.8],
        [7, 2.5, 1],
      ] as const) {
        const c = frac * h.max;
        expect(lpError(h, c, qmax, p) / N).toBeCloseTo(directError(x, c, qmax, p), 2);
        expect(Math.abs(lpError(h, c, qmax, p) / N / directError(x, c, qmax, p) - 1)).toBeLessThan(0.03);
      }
    });
  }

  it('known values: all mass above the clip costs (x − c)^p; a grid-aligned point costs nothing', () => {
    // one value per bin of [3, 4) with bins of width 1: error ∫_3^4 (u − 2)^2 du = (8 − 1) / 3 at c = 2
    const h = { max: 4, bins: 4, counts: Float64Array.from([0, 0, 0, 1]) };
    expect(lpError(h, 2, 1, 2)).toBeCloseTo(7 / 3, 12);
    // uniform mass on [0, 1) with levels 0, 1 (c = 1, qmax 1): ∫ min(u, 1 − u)^2 = 1/12
    expect(lpError({ max: 1, bins: 1, counts: Float64Array.from([1]) }, 1, 1, 2)).toBeCloseTo(1 / 12, 12);
    expect(() => lpError(h, 0, 7, 2)).toThrow(/clip must be > 0/);
  });

  it('weights: one clip per output channel, inside the channel max; a dead channel gets the stand-in scale', () => {
    const K = 256;
    const g = gaussian(2 * K, 7);
    const w = new Float32Array(3 * K);
    w.set(g.subarray(0, K), 0);
    w.set(
      g.subarray(K, 2 * K).map((v) => v * 10),
      K,
    ); // channel 1: 10x the range
    const s = lpWeightScales(w, 3, K, 7, 2);
    const max = (c: number) => Math.max(...Array.from(w.subarray(c * K, (c + 1) * K), Math.abs));
    expect(7 / s[0]!).toBeLessThan(max(0));
    expect(7 / s[1]!).toBeLessThan(max(1));
    expect(s[0]! / s[1]!).toBeGreaterThan(5);
    // the max-abs stand-in: the median (of two, the lower) live max-abs scale
    expect(s[2]).toBeCloseTo(7 / max(1), 12);
  });
});

describe('choice of p', () => {
  const t = (id: number) => ({ id }) as unknown as ScaleTable;
  it('takes the candidate with the lowest loss (the first on a tie); a cancel (NaN) gives nothing', async () => {
    const losses = new Map([
      [1, 0.5],
      [2, 0.3],
      [3, 0.2],
      [4, 0.2],
      [5, 0.4],
    ]);
    const loss = async (x: ScaleTable) => losses.get((x as unknown as { id: number }).id)!;
    const seen: number[] = [];
    const c = await chooseLpStart(
      [2, 2.5, 3, 3.5, 4].map((p, i) => ({ p, table: t(i + 1) })),
      loss,
      (p) => seen.push(p),
    );
    expect(c!.p).toBe(3);
    expect((c!.table as unknown as { id: number }).id).toBe(3);
    expect(c!.loss).toBe(0.2);
    expect(c!.losses.map((l) => l.loss)).toEqual([0.5, 0.3, 0.2, 0.2, 0.4]);
    expect(seen).toEqual([2, 2.5, 3, 3.5, 4]);
    const tie = await chooseLpStart(
      [
        { p: 3.5, table: t(4) },
        { p: 3, table: t(3) },
      ],
      loss,
    );
    expect(tie!.p).toBe(3.5);
    expect(
      await chooseLpStart(
        [
          { p: 2, table: t(1) },
          { p: 3, table: t(9) },
        ],
        async (x) => ((x as unknown as { id: number }).id === 9 ? NaN : 1),
      ),
    ).toBeUndefined();
    await expect(chooseLpStart([], loss)).rejects.toThrow(/no candidate/);
  });
});

const DIMS = [1, 3, 8, 8];

function tinyModel() {
  const r = rng(5);
  const bytes = buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'W1', 'B1'], outputs: ['c1'], name: 'conv1', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'Conv', inputs: ['r1', 'W2', 'B2'], outputs: ['c2'], name: 'conv2', attrs: { kernel_shape: [1, 1] } },
      { op: 'GlobalAveragePool', inputs: ['c2'], outputs: ['g'] },
      { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
    ],
    inputs: [{ name: 'x', dims: DIMS }],
    outputs: [{ name: 'y', dims: [1, 10] }],
    initializers: { W1: randomTensor([8, 3, 3, 3], r, 0.6), B1: randomTensor([8], r, 0.1), W2: randomTensor([10, 8, 1, 1], r, 0.8), B2: randomTensor([10], r, 0.2) },
  });
  return loadModelBytes(bytes, 'tiny.onnx');
}

function samples(n: number): Float32Array[] {
  const r = rng(9);
  return Array.from({ length: n }, () => {
    const x = randomTensor(DIMS, r, 1).data as Float32Array;
    for (let i = 0; i < x.length; i += 37) x[i]! *= 8;
    return x;
  });
}

describe('--method lapq from the Lp start', () => {
  it('starts from the lowest-loss Lp table, records the p, and beats the MinMax start', async () => {
    const model = tinyModel();
    const base = { method: 'lapq', bits: 4, accel: 'ts', lapqIters: 1 } as const;
    const events: ProgressEvent[] = [];
    const res = await calibrate(model, samples(8), DIMS, parseCalibSettings(base), { onProgress: (e) => events.push(e), warn: () => {} });
    const s = res.table.settings;
    expect(s['lapqInit']).toBe('lp');
    const losses = s['lapqInitLosses'] as { p: number; loss: number }[];
    expect(losses.map((l) => l.p)).toEqual([...LP_CANDIDATES]);
    const best = Math.min(...losses.map((l) => l.loss));
    expect(losses.find((l) => l.p === s['lapqInitP'])!.loss).toBe(best);
    expect(s['lapqLossStart']).toBe(best);
    expect(s['lapqLossEnd'] as number).toBeLessThanOrEqual(best);
    // one progress event per candidate p, before the search
    const starts = events.filter((e) => e.name.startsWith('LAPQ start'));
    expect(starts.map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
    // the recorded losses are those of the Lp tables: re-evaluate the start the search kept
    const ev = await lapqEvaluator(model, planQuantization(model.graph), samples(8), DIMS, 'kl', { accel: 'ts', threads: 1, warn: () => {} });
    const mm = await calibrate(model, samples(8), DIMS, parseCalibSettings({ ...base, lapqInit: 'minmax' }), { warn: () => {} });
    expect(mm.table.settings['lapqInitP']).toBeUndefined();
    expect(mm.table.settings['lapqInit']).toBe('minmax');
    expect(best).toBeLessThan(mm.table.settings['lapqLossStart'] as number);
    expect(await ev.loss(res.table)).toBeCloseTo(s['lapqLossEnd'] as number, 12);
  }, 300_000);
});
