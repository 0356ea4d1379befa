import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src-main/pipeline/calib/calibrate.js';
import { AbsHistogram, klThreshold } from '../../src-main/core/calib/histogram.js';
import { DEFAULT_SETTINGS, type CalibSettings } from '../../src-main/core/calib/settings.js';
import { openDataset, takeValid } from '../../src-main/io/data/dataset.js';
import { loadModel } from '../../src-main/io/model-file.js';
import { rng } from '../helpers/onnx-build.js';
import { describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';

describe('histogram thresholds', () => {
  it('KL keeps the range for a uniform distribution and clips a long tail', () => {
    const r = rng(1);
    const uni = Float32Array.from({ length: 200_000 }, () => r() * 2 - 1);
    const h1 = new AbsHistogram(1, 2048);
    h1.add(uni);
    expect(klThreshold(h1, 128)).toBeGreaterThan(0.9);
    // Laplacian-like with rare outliers far out
    const tail = Float32Array.from({ length: 200_000 }, () => -Math.log(1 - r()) * (r() < 0.5 ? -1 : 1));
    tail[0] = 40;
    let max = 0;
    for (const v of tail) max = Math.max(max, Math.abs(v));
    const h2 = new AbsHistogram(max, 2048);
    h2.add(tail);
    const t = klThreshold(h2, 128);
    expect(t).toBeLessThan(max / 2);
    expect(t).toBeGreaterThan(3);
  });
  it('percentile of |x|', () => {
    const x = Float32Array.from({ length: 10_000 }, (_, i) => (i + 0.5) / 10_000);
    const h = new AbsHistogram(1, 1 << 16);
    h.add(x);
    expect(h.percentile(50)).toBeCloseTo(0.5, 3);
    expect(h.percentile(99)).toBeCloseTo(0.99, 3);
  });
});

describeShared('calibrators on MNIST (20 calibration digits)', () => {
  const model = loadModel(modelPath('mnist'));
  const dims = model.graph.inputs[0]!.dims;
  const samples: Float32Array[] = [];
  const run = async (s: Partial<CalibSettings>) => {
    if (samples.length === 0) {
      const ds = await openDataset(MNIST_DIR, { inputDims: dims, limit: 20 });
      const { indices } = await takeValid(ds, 20, () => {});
      for (const i of indices) samples.push((await ds.load(i))!);
    }
    return calibrate(model, samples, dims, { ...DEFAULT_SETTINGS, steps: 30, ...s });
  };

  it('EQ is deterministic (bitwise identical scales)', async () => {
    const a = await run({ method: 'eq' });
    const b = await run({ method: 'eq' });
    expect(JSON.stringify(a.table.layers)).toBe(JSON.stringify(b.table.layers));
    expect(a.table.tensors).toEqual(b.table.tensors);
  });

  it('EQ never ends below its max-abs start and beats MinMax on every layer cosine', async () => {
    const eq = await run({ method: 'eq' });
    const mm = await run({ method: 'minmax' });
    for (const g of eq.groups) expect(g.cosAfter!).toBeGreaterThanOrEqual(g.cosBefore!);
    for (const l of eq.table.layers) {
      const m = mm.table.layers.find((x) => x.name === l.name)!;
      expect(l.cosine!).toBeGreaterThanOrEqual(m.cosine! - 1e-12);
    }
  });

  it('with a one-point grid EQ returns the max-abs (MinMax) scales exactly', async () => {
    const eq = await run({ method: 'eq', steps: 1 });
    const mm = await run({ method: 'minmax' });
    expect(eq.table.layers.map((l) => [l.inputScale, l.weightScales])).toEqual(mm.table.layers.map((l) => [l.inputScale, l.weightScales]));
  });

  it('every method gives positive finite scales for every layer, INT8 and INT7', async () => {
    for (const method of ['minmax', 'kl', 'percentile', 'eq'] as const) {
      for (const bits of [8, 7]) {
        const r = await run({ method, bits, steps: 5 });
        expect(r.table.qmax).toBe(bits === 8 ? 127 : 63);
        expect(r.table.layers.length).toBe(3);
        for (const l of r.table.layers) {
          expect(l.inputScale > 0 && Number.isFinite(l.inputScale)).toBe(true);
          expect(l.weightScales.every((s) => s > 0 && Number.isFinite(s))).toBe(true);
        }
        // int8 tensors: the three layer inputs and the tensors sharing their scale through pooling/reshape
        expect(Object.keys(r.table.tensors).length).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it('FP32-input (ncnn) variant and KL initialisation run and differ from the default', async () => {
    const def = await run({ method: 'eq' });
    const fp = await run({ method: 'eq', inputs: 'fp32' });
    const kl = await run({ method: 'eq', init: 'kl' });
    expect(fp.table.layers[0]!.inputScale).toBe(def.table.layers[0]!.inputScale); // first layer sees the same input
    expect(JSON.stringify(kl.table.layers)).not.toBe(JSON.stringify(def.table.layers));
  });

  it('rounds until convergence stop once the gain is below epsilon', async () => {
    const r = await run({ method: 'eq', rounds: 'converge', roundsEps: 1e-3, maxRounds: 4 });
    for (const g of r.groups) expect(g.cosAfter!).toBeGreaterThanOrEqual(g.cosBefore!);
  });
});
