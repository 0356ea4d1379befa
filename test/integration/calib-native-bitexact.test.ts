/**
 * The native EQ search (native/src/calib) against the TypeScript reference (eq.ts): the
 * scoring kernels on random layer geometries (signed inputs and the unsigned grid, where the
 * kernels store u - qmax and pad with the real 0), then whole calibrations (MNIST, synthetic
 * MobileNetV2 / ResNet-18 shapes) whose scale tables must be bitwise identical.
 * The full-size comparisons on MobileNet v1 0.25 and SqueezeNet 1.1 (50 images; the
 * TypeScript side takes 15-30 min each) are opt-in: EQ_CALIB_BITEXACT_FULL=1.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../src-main/pipeline/calib/calibrate.js';
import type { LayerData } from '../../src-main/core/calib/eq-backend.js';
import { tsBackend } from '../../src-main/core/calib/eq.js';
import { nativeBackend } from '../../src-main/engines/native/eq-native.js';
import { DEFAULT_SETTINGS, type CalibSettings } from '../../src-main/core/calib/settings.js';
import { cardToSpec, readCard } from '../../src-main/io/data/card.js';
import { openDataset, takeValid } from '../../src-main/io/data/dataset.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { loadModel } from '../../src-main/io/model-file.js';
import { fakeQuantPreAct, quantizeInput, quantizeInputUnsigned, quantizeWeights, toOutputLayout } from '../../src-main/core/quant/fake-quant-layer.js';
import type { LinearGeom } from '../../src-main/core/quant/linear-geom.js';
import type { QuantLayer } from '../../src-main/core/quant/plan.js';
import type { ScaleTable } from '../../src-main/core/quant/scale-table.js';
import { synthModel } from '../../src-main/core/synth/index.js';
import { mulberry32 } from '../../src-main/core/synth/rng.js';
import { loadCalibAddon } from '../../src-main/engines/native/native-calib.js';
import { ensureNativeAddon } from '../helpers/native.js';
import { cardPath, describeShared, IMAGENET_DIR, MNIST_DIR, modelPath } from '../helpers/shared.js';

beforeAll(() => ensureNativeAddon(), 20 * 60_000);

function convGeom(cin: number, cout: number, group: number, k: number, s: number, d: number, pad: number, inH: number, inW: number): LinearGeom {
  const outH = Math.floor((inH + 2 * pad - d * (k - 1) - 1) / s) + 1;
  const outW = Math.floor((inW + 2 * pad - d * (k - 1) - 1) / s) + 1;
  return { kind: 'conv', cin, cout, group, kh: k, kw: k, sh: s, sw: s, dh: d, dw: d, padT: pad, padL: pad, inH, inW, outH, outW, K: (cin / group) * k * k, P: outH * outW };
}
const gemmGeom = (m: number, k: number, n: number): LinearGeom => ({
  kind: 'gemm',
  cin: k,
  cout: n,
  group: 1,
  kh: 1,
  kw: 1,
  sh: 1,
  sw: 1,
  dh: 1,
  dw: 1,
  padT: 0,
  padL: 0,
  inH: m,
  inW: 1,
  outH: m,
  outW: 1,
  K: k,
  P: m,
});

// [name, geometry, scored positions per image (default: 6, or all when P <= 6)]
const GEOMS: [string, LinearGeom, number?][] = [
  ['3x3 conv, pad 1', convGeom(5, 7, 1, 3, 1, 1, 1, 9, 8)],
  ['strided dilated conv', convGeom(4, 6, 1, 3, 2, 2, 2, 11, 10)],
  ['grouped conv', convGeom(6, 9, 3, 3, 1, 1, 1, 7, 7)],
  ['depthwise conv', convGeom(8, 8, 8, 3, 2, 1, 1, 9, 9)],
  ['depthwise conv, stride 1, pad 1', convGeom(16, 16, 16, 3, 1, 1, 1, 12, 13)],
  ['1x1 conv', convGeom(16, 12, 1, 1, 1, 1, 0, 6, 5)],
  ['gemm M=1', gemmGeom(1, 40, 10)],
  ['gemm M=5', gemmGeom(5, 24, 6)],
  // more scored rows (3 x 200) than one block of the weight search's GEMM (384), K = 288
  ['larger conv, 200 positions', convGeom(32, 24, 1, 3, 1, 1, 1, 20, 20), 200],
];

function randomLayer(g: LinearGeom, rng: () => number, images: number, np: number | undefined) {
  const gauss = () => (rng() + rng() + rng() - 1.5) * 2;
  const wRows = Float32Array.from({ length: g.cout * g.K }, gauss);
  const bias = Float32Array.from({ length: g.cout }, () => gauss() * 0.3);
  const inLen = g.kind === 'conv' ? g.cin * g.inH * g.inW : g.P * g.K;
  // ReLU-like inputs with exact zeros, plus a few values large enough to clip
  const xs = Array.from({ length: images }, () => Float32Array.from({ length: inLen }, () => (rng() < 0.3 ? 0 : Math.abs(gauss()) * (rng() < 0.02 ? 6 : 1))));
  const positions = np && np < g.P ? Int32Array.from({ length: np }, (_, j) => Math.floor(((j + 0.5) * g.P) / np)) : undefined;
  const n = positions ? positions.length : g.P;
  const O = Array.from({ length: images }, () => Float32Array.from({ length: g.cout * n }, gauss));
  const layer = { name: 'l', geom: g, wRows, bias } as unknown as QuantLayer;
  const d: LayerData = { layer, np: n, positions, O };
  return { d, xs, layer };
}

function maxAbsInit(l: QuantLayer, qmax: number): Float64Array {
  const s = new Float64Array(l.geom.cout);
  for (let c = 0; c < l.geom.cout; c++) {
    let m = 0;
    for (let k = 0; k < l.geom.K; k++) m = Math.max(m, Math.abs(l.wRows[c * l.geom.K + k]!));
    s[c] = qmax / m;
  }
  return s;
}

/**
 * Per channel, the cosine searchWeights (eq.ts) scores for the scales `ws` (the native search's
 * `best` for its chosen scales), in the reference's order: images, then positions.
 */
function channelCosines(d: LayerData, xq: Float64Array[], sa: number, ws: Float64Array, wq: Int8Array, qmax: number): number[] {
  const { cout } = d.layer.geom;
  const ys = xq.map((x) => fakeQuantPreAct(d.layer, x, sa, wq, ws, d.positions ?? Int32Array.from({ length: d.np }, (_, j) => j), qmax));
  return Array.from({ length: cout }, (_, c) => {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    ys.forEach((y, i) => {
      let oo = 0;
      for (let j = 0; j < d.np; j++) {
        const o = d.O[i]![c * d.np + j]!;
        const v = y[c * d.np + j]!;
        ab += o * v;
        bb += v * v;
        oo += o * o;
      }
      aa += oo;
    });
    return aa === 0 && bb === 0 ? 1 : aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
  });
}

// qmax and whether the input is on the unsigned grid (u - qmax stored, padding the real 0)
const QMAX_GRID = [127, 63].flatMap((q) => [false, true].map((u) => [q, u] as const));

describe('native EQ kernels = TypeScript reference, bit for bit', () => {
  for (const [name, g, np] of GEOMS) {
    for (const [qmax, unsigned] of QMAX_GRID) {
      it(`${name}, qmax ${qmax}${unsigned ? ', unsigned input' : ''}: weight search, activation scores, layer forward, on every kernel level`, async () => {
        const addon = loadCalibAddon();
        const rng = mulberry32(g.cout * 131 + g.K * 7 + qmax);
        const { d, xs, layer } = randomLayer(g, rng, 3, np ?? (g.P > 6 ? 6 : undefined));
        const cancel = new Int32Array(1);
        const ts = tsBackend(qmax, undefined, unsigned);
        const init = maxAbsInit(layer, qmax);
        const current = Float64Array.from(init, (v) => Math.fround(v));
        const grid = Float64Array.from({ length: 23 }, (_, k) => 0.5 + (k * 1.5) / 22);
        const aScale = Math.fround(qmax / 3.1);
        const shared = { factors: grid, perChannel: false, n: grid.length };
        // per-channel grids (coarse-to-fine windows)
        const per = new Float64Array(g.cout * 5);
        for (let c = 0; c < g.cout; c++) for (let k = 0; k < 5; k++) per[c * 5 + k] = grid[(c * 3 + k) % grid.length]!;
        const pc = { factors: per, perChannel: true, n: 5 };
        // the reference once; activation candidates are scored for the chosen weights
        const wsT = await ts.searchWeights(d, xs, aScale, init, current, shared);
        const pcT = await ts.searchWeights(d, xs, aScale, init, current, pc);
        const wq = quantizeWeights(layer, wsT, qmax);
        const scales = Array.from(grid, (f) => Math.fround(aScale * f));
        const objT = await ts.objectives([d], xs, scales, [wq], [wsT]);
        const all = Int32Array.from({ length: g.P }, (_, j) => j);
        // the scale the integer program applies: the table's S, or Se = 2 f32(S) on the unsigned grid
        const se = unsigned ? 2 * Math.fround(aScale) : aScale;
        const quant = (x: Float32Array) => (unsigned ? quantizeInputUnsigned(x, se, qmax) : quantizeInput(x, se, qmax));
        const refOuts = xs.map((x) => toOutputLayout(g, fakeQuantPreAct(layer, quant(x), se, wq, wsT, all, qmax)));
        const bestT = channelCosines(d, xs.map(quant), se, wsT, wq, qmax);
        if (unsigned && g.kind === 'conv' && g.padT > 0) {
          // the case is meaningful: some scored outputs read padding, and u is not symmetric
          expect(xs.some((x) => x.some((v) => Math.fround(v * se) > qmax))).toBe(true);
        }

        const isas = addon.calibInfo().isas.split(',');
        expect(isas).toContain('scalar');
        for (const isa of isas) {
          const nat = nativeBackend({ qmax, threads: 2, cancel, addon, isa, unsigned });
          expect(Array.from(await nat.searchWeights(d, xs, aScale, init, current, shared)), isa).toEqual(Array.from(wsT));
          // the winning cosines too (a scale choice alone could hide a small error in the sums)
          const opts = { qmax, threads: 2, cancel, isa, unsigned, geom: g, positions: d.positions, xs, O: d.O, aScale };
          const r = await addon.calibWeightSearch({ ...opts, wRows: layer.wRows, bias: layer.bias, init, current, grid });
          expect(Array.from(r.best), isa).toEqual(bestT);
          expect(Array.from(await nat.searchWeights(d, xs, aScale, init, current, pc)), isa).toEqual(Array.from(pcT));
          expect(await nat.objectives([d], xs, scales, [wq], [wsT]), isa).toEqual(objT);
          // the full-position forward of the sequential pass
          const outs = xs.map(() => new Float32Array(g.cout * g.P));
          await addon.calibLayerForward({ geom: g, xs, outs, aScale, qmax, wq, wScales: wsT, bias: layer.bias, threads: 2, cancel, isa, unsigned });
          outs.forEach((o, i) => expect(Buffer.from(o.buffer).equals(Buffer.from(refOuts[i]!.buffer)), `${isa} image ${i}`).toBe(true));
        }
      });
    }
  }
});

/** Everything of a scale table that the calibration decides (not the creation time). */
function decided(t: ScaleTable): string {
  return JSON.stringify({ layers: t.layers, tensors: t.tensors, settings: t.settings });
}

async function bothEngines(model: ReturnType<typeof loadModel>, samples: Float32Array[], dims: number[], s: Partial<CalibSettings>) {
  const base = { ...DEFAULT_SETTINGS, ...s };
  const n = await calibrate(model, samples, dims, { ...base, accel: 'native', threads: 2 });
  const t = await calibrate(model, samples, dims, { ...base, accel: 'ts' });
  expect(n.accel).toBe('native');
  expect(t.accel).toBe('ts');
  return { n, t };
}

describe('whole calibrations: native and TypeScript scale tables are identical', () => {
  for (const arch of ['mobilenetv2', 'resnet18'] as const) {
    for (const strategy of ['grid', 'coarse-fine'] as const) {
      it(
        `synthetic ${arch} 32x32, ${strategy}, 2 rounds, INT7`,
        async () => {
          const model = loadModelBytes(synthModel({ arch, size: 32, seed: 7 }), `${arch}.onnx`);
          const dims = model.graph.inputs[0]!.dims;
          const rng = mulberry32(11);
          const samples = Array.from({ length: 2 }, () => Float32Array.from({ length: 3 * 32 * 32 }, () => rng() * 2 - 1));
          const { n, t } = await bothEngines(model, samples, dims, { bits: 7, steps: 8, samplePositions: 8, rounds: 2, strategy });
          expect(decided(n.table)).toBe(decided(t.table));
        },
        30 * 60_000,
      );
    }
  }
});

async function realSamples(name: string, n: number) {
  const model = loadModel(modelPath(name));
  const dims = model.graph.inputs[0]!.dims;
  const spec = cardToSpec(readCard(cardPath(name)));
  const ds = await openDataset(name === 'mnist' ? MNIST_DIR : IMAGENET_DIR, { spec, inputDims: dims, limit: n + 5 });
  const { indices } = await takeValid(ds, n, () => {});
  const samples: Float32Array[] = [];
  for (const i of indices) samples.push((await ds.load(i))!);
  return { model, dims, samples };
}

describeShared('MNIST, paper settings (alpha 0.5, beta 2, n 100, one round, 64 positions)', () => {
  for (const bits of [8, 7]) {
    it(
      `EQ INT${bits} on 20 images: identical scale tables`,
      async () => {
        const { model, dims, samples } = await realSamples('mnist', 20);
        const { n, t } = await bothEngines(model, samples, dims, { bits });
        expect(decided(n.table)).toBe(decided(t.table));
        for (const g of n.groups) expect(g.cosAfter!).toBeGreaterThanOrEqual(g.cosBefore!);
      },
      30 * 60_000,
    );
  }
});

const FULL = process.env.EQ_CALIB_BITEXACT_FULL === '1';
(FULL ? describeShared : describe.skip)('full size (EQ_CALIB_BITEXACT_FULL=1): 50 images, paper settings', () => {
  for (const name of ['mobilenet_v1_0.25', 'squeezenet1.1']) {
    for (const bits of [8, 7]) {
      it(
        `${name} EQ INT${bits}: identical scale tables`,
        async () => {
          const { model, dims, samples } = await realSamples(name, 50);
          const { n, t } = await bothEngines(model, samples, dims, { bits });
          expect(decided(n.table)).toBe(decided(t.table));
        },
        4 * 3600_000,
      );
    }
  }
});
