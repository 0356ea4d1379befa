/**
 * Bias correction: on a small synthetic conv → relu → conv (the second without a bias), the
 * mean per-channel output error against FP32 on the calibration images is far from 0 at low
 * bits and ~0 once the correction is on, in every engine the table reaches: the fake-quant
 * simulation, the integer reference, the native EQM runtime (bit-exact with it) and the QDQ
 * export in onnxruntime. The corrected table survives scales.json unchanged.
 */
import crypto from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../src-main/pipeline/calib/calibrate.js';
import { DEFAULT_SETTINGS, type CalibSettings } from '../../src-main/core/calib/settings.js';
import { runIntProgram } from '../../src-main/core/engine/int-ref.js';
import { lowerToIntProgram } from '../../src-main/core/engine/lower.js';
import { createSimEngine } from '../../src-main/core/engine/sim.js';
import { compileEqm } from '../../src-main/core/eqm/write-eqm.js';
import { buildQdqGraph, exportQdqOnnx } from '../../src-main/core/export/qdq-onnx.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { activationMatchedDelta, addChannelDelta, ChannelErrorMean, correctedBias } from '../../src-main/core/quant/bias-correction.js';
import type { LinearGeom } from '../../src-main/core/quant/linear-geom.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import type { ScaleTable } from '../../src-main/core/quant/scale-table.js';
import { parseScalesJson, writeScalesJson } from '../../src-main/io/scales-json.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';
import { ensureNativeAddon } from '../helpers/native.js';

describe('bias correction, pure parts', () => {
  it('the delta is minus the mean error per channel, over images and positions', () => {
    const m = new ChannelErrorMean(2);
    // [cout=2][np=2] per image
    m.add([1, 3, 10, 10], [0, 0, 10, 12]);
    m.add([2, 2, 5, 5], [0, 0, 5, 5]);
    expect(m.delta()).toEqual([-2, Math.fround(0.5)]);
    expect(new ChannelErrorMean(3).delta()).toEqual([0, 0, 0]);
    expect(() => m.add([1, 2, 3], [1, 2, 3])).toThrow(/do not split into 2 channels/);
  });

  it('adds the delta per channel in the conv (NCHW) and the Gemm ([M][N]) layouts', () => {
    const conv = { kind: 'conv', cout: 2, P: 3 } as LinearGeom;
    const t = new Float32Array(6);
    addChannelDelta(conv, t, [1, -2]);
    expect(Array.from(t)).toEqual([1, 1, 1, -2, -2, -2]);
    const gemm = { kind: 'gemm', cout: 2, P: 3 } as LinearGeom;
    const u = new Float32Array(6);
    addChannelDelta(gemm, u, [1, -2]);
    expect(Array.from(u)).toEqual([1, -2, 1, -2, 1, -2]);
  });

  it('behind a Relu/Clip, the delta matches the mean after the activation, not before', () => {
    // channel 0: the quantized side is off by -1 where the activation cuts off and by +0.5 where
    // it passes: the pre-activation delta (+0.25 here) would add a bias where it shows
    const ref = Float32Array.of(-5, -5, 1, 1, /* channel 1 */ 2, 3, 4, 5);
    const q = Float32Array.of(-6, -6, 1.5, 1.5, /* channel 1 */ 1, 2, 3, 4);
    const pre = new ChannelErrorMean(2);
    pre.add(q, ref);
    expect(pre.delta()).toEqual([0.25, 1]);
    const d = activationMatchedDelta(2, [q], [ref], 0, Infinity, pre.delta());
    const relu = (v: number) => Math.max(0, v);
    const meanAct = (a: Float32Array, c: number, dc: number) => (relu(a[c * 4]! + dc) + relu(a[c * 4 + 1]! + dc) + relu(a[c * 4 + 2]! + dc) + relu(a[c * 4 + 3]! + dc)) / 4;
    expect(d[0]).toBeCloseTo(-0.5, 6);
    expect(meanAct(q, 0, d[0]!)).toBeCloseTo(meanAct(ref, 0, 0), 6);
    // where nothing is cut off it is the pre-activation delta
    expect(d[1]).toBe(1);
    // Clip(0, 6): values at the top clamp do not move the mean either
    const c6 = activationMatchedDelta(1, [Float32Array.of(7, 8, 1)], [Float32Array.of(9, 9, 2)], 0, 6, [-0]);
    expect(c6[0]).toBeCloseTo(1, 6);
  });

  it('correctedBias is the bias itself without a delta, float32(b + d) with one', () => {
    const b = Float32Array.of(0.1, -0.2);
    expect(correctedBias(b, undefined)).toBe(b);
    expect(Array.from(correctedBias(b, [0.25, 1e-3]))).toEqual([Math.fround(b[0]! + 0.25), Math.fround(b[1]! + 1e-3)]);
    expect(() => correctedBias(b, [1])).toThrow(/1 deltas for 2 output channels/);
  });
});

const DIMS = [1, 3, 8, 8];
const COUT = 4;

function model(): Uint8Array {
  const r = rng(5);
  return buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'W1', 'B1'], outputs: ['h'], name: 'conv1', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['h'], outputs: ['hr'], name: 'relu1' },
      { op: 'Conv', inputs: ['hr', 'W2'], outputs: ['y'], name: 'conv2', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    ],
    inputs: [{ name: 'x', dims: DIMS }],
    outputs: [{ name: 'y', dims: [1, COUT, 8, 8] }],
    initializers: { W1: randomTensor([6, 3, 3, 3], r, 0.5), B1: randomTensor([6], r, 0.2), W2: randomTensor([COUT, 6, 3, 3], r, 0.3) },
  });
}

/** non-negative inputs: the weight rounding error then has a non-zero mean per channel */
function samples(n: number): Float32Array[] {
  const r = rng(9);
  return Array.from({ length: n }, () => Float32Array.from(randomTensor(DIMS, r, 1).data as Float32Array, (v) => Math.abs(v)));
}

/** max over channels of |mean (engine − FP32)| on y, over the images and positions */
function worstMeanError(outs: Float32Array[], refs: Float32Array[]): number {
  const m = new ChannelErrorMean(COUT);
  outs.forEach((o, i) => m.add(o, refs[i]!));
  return Math.max(...m.delta().map(Math.abs));
}

describe('bias correction on a synthetic conv → relu → conv', () => {
  beforeAll(() => ensureNativeAddon(), 1_200_000);

  const cases: [string, Partial<CalibSettings>][] = [
    ['MinMax INT5', { method: 'minmax', bits: 5 }],
    ['EQ INT5 (TypeScript search)', { method: 'eq', bits: 5, steps: 9, accel: 'ts' }],
  ];
  for (const [name, extra] of cases) {
    it(name, { timeout: 600_000 }, async () => {
      const bytes = model();
      const m = loadModelBytes(bytes, 'bc.onnx');
      const xs = samples(6);
      const fp32 = await ort.InferenceSession.create(bytes);
      const refs: Float32Array[] = [];
      for (const x of xs) refs.push((await fp32.run({ x: new ort.Tensor('float32', x, DIMS) }))['y']!.data as Float32Array);
      await fp32.release();
      const plan = planQuantization(m.graph);

      const engines = async (table: ScaleTable) => {
        const sim = createSimEngine(m.graph, plan, table);
        const prog = lowerToIntProgram(m.graph, plan, table);
        const native = Runtime.load(compileEqm(m.graph, plan, table));
        const qdq = await ort.InferenceSession.create(exportQdqOnnx(m.graph, table));
        const out = { sim: [] as Float32Array[], intRef: [] as Float32Array[], native: [] as Float32Array[], qdq: [] as Float32Array[] };
        for (const x of xs) {
          out.sim.push(sim.run(x, DIMS).outputs[0]!.data);
          out.intRef.push(runIntProgram(m.graph, prog, x, DIMS).outputs[0]!.data as Float32Array);
          out.native.push(native.run(x, DIMS)[0]!);
          out.qdq.push((await qdq.run({ x: new ort.Tensor('float32', x, DIMS) }))['y']!.data as Float32Array);
        }
        await qdq.release();
        return out;
      };

      const settings = (bc: boolean): CalibSettings => ({ ...DEFAULT_SETTINGS, samplePositions: 0, ...extra, biasCorrection: bc });
      const plain = await calibrate(m, xs, DIMS, settings(false), { warn: () => {} });
      expect(plain.table.layers.every((l) => l.biasDelta === undefined)).toBe(true);
      const corr = await calibrate(m, xs, DIMS, settings(true), { warn: () => {} });
      expect(corr.table.layers.map((l) => l.biasDelta?.length)).toEqual([6, COUT]);

      const before = await engines(plain.table);
      const after = await engines(corr.table);
      const worst = (o: Float32Array[]) => worstMeanError(o, refs);
      // the error to remove is real: a few hundredths on outputs of about ±1
      expect(worst(before.intRef)).toBeGreaterThan(0.01);
      for (const k of ['sim', 'intRef', 'native', 'qdq'] as const) {
        expect(worst(after[k]), `${k}: ${worst(before[k])} → ${worst(after[k])}`).toBeLessThan(worst(before[k]) / 10);
      }
      // the native runtime runs the compiled corrected biases bit for bit like the integer reference
      after.native.forEach((o, i) => expect(Array.from(o)).toEqual(Array.from(after.intRef[i]!)));

      // scales.json carries the deltas exactly: the EQM compiled from the file read back is the same
      const text = writeScalesJson(corr.table);
      expect(JSON.parse(text).version).toBe(2);
      const back = parseScalesJson(text, 'bc/scales.json');
      expect(back.layers.map((l) => l.biasDelta)).toEqual(corr.table.layers.map((l) => l.biasDelta));
      expect(Buffer.from(compileEqm(m.graph, plan, back)).equals(Buffer.from(compileEqm(m.graph, plan, corr.table)))).toBe(true);
      // the QDQ model reads new bias initializers; conv2 (no bias in the model) gets one
      const g = buildQdqGraph(m.graph, corr.table);
      const conv2 = g.nodes.find((n) => n.name === 'conv2')!;
      expect(Array.from(g.initializers.get(conv2.inputs[2]!)!.data as Float32Array)).toEqual(corr.table.layers[1]!.biasDelta!.map(Math.fround));
    });
  }
});

describe('a scales.json without bias_delta (version 1)', () => {
  // written by the build before bias correction existed: the same text reads back to the same
  // table and compiles to the same EQM bytes as it did then
  const V1: ScaleTable = {
    bits: 7,
    qmax: 63,
    method: 'eq',
    modelSha256: 'cd'.repeat(32),
    modelFile: 'bc.onnx',
    layers: [
      { name: 'conv1', op: 'Conv', input: 'x', output: 'hr', weight: 'W1', weightScales: [130.5, 140.25, 128, 151.75, 133, 129.5], inputScale: 63.5, cosine: 0.999 },
      { name: 'conv2', op: 'Conv', input: 'hr', output: 'y', weight: 'W2', weightScales: [211, 208.5, 230, 219.25], inputScale: 31.25 },
    ],
    tensors: { x: 63.5, hr: 31.25 },
    settings: { calibImages: 6 },
    createdAt: '2026-01-02T03:04:05.000Z',
  };
  const EQM_SHA256 = 'ec80a35ef6d222bbf0d2f4ecc6b7acddeb0890cc2d48132dcf4913211fb06b52';

  it('reads back unchanged and compiles to the same EQM bytes', async () => {
    const text = writeScalesJson(V1);
    expect(JSON.parse(text).version).toBe(1);
    expect(text).not.toContain('bias_delta');
    const back = parseScalesJson(text, 'v1/scales.json');
    expect(back).toEqual(V1);
    const m = loadModelBytes(model(), 'bc.onnx');
    const plan = planQuantization(m.graph);
    const bytes = compileEqm(m.graph, plan, back);
    expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(EQM_SHA256);
  });
});

describe('bias correction on fully connected layers', () => {
  it('Gemm keeps its C input corrected; a MatMul becomes a Gemm with the corrected bias; onnxruntime agrees with the simulation', { timeout: 600_000 }, async () => {
    const r = rng(3);
    const bytes = buildModel({
      nodes: [
        { op: 'Gemm', inputs: ['x', 'W1', 'C1'], outputs: ['h'], name: 'fc1', attrs: { transB: 1 } },
        { op: 'Relu', inputs: ['h'], outputs: ['hr'], name: 'relu1' },
        { op: 'MatMul', inputs: ['hr', 'W2'], outputs: ['y'], name: 'mm2' },
      ],
      inputs: [{ name: 'x', dims: [4, 16] }],
      outputs: [{ name: 'y', dims: [4, 5] }],
      initializers: { W1: randomTensor([12, 16], r, 0.4), C1: randomTensor([12], r, 0.2), W2: randomTensor([12, 5], r, 0.4) },
    });
    const m = loadModelBytes(bytes, 'fc.onnx');
    const xs = Array.from({ length: 8 }, () => Float32Array.from(randomTensor([4, 16], r, 1).data as Float32Array, (v) => Math.abs(v)));
    const res = await calibrate(m, xs, [4, 16], { ...DEFAULT_SETTINGS, method: 'minmax', bits: 5, samplePositions: 0, biasCorrection: true }, { warn: () => {} });
    expect(res.table.layers.map((l) => l.biasDelta?.length)).toEqual([12, 5]);
    const g = buildQdqGraph(m.graph, res.table);
    expect(g.nodes.find((n) => n.name === 'mm2')!.op).toBe('Gemm');
    const plan = planQuantization(m.graph);
    const sim = createSimEngine(m.graph, plan, res.table);
    const qdq = await ort.InferenceSession.create(exportQdqOnnx(m.graph, res.table));
    const fp32 = await ort.InferenceSession.create(bytes);
    const errQdq = new ChannelErrorMean(5);
    const errPlain = new ChannelErrorMean(5);
    const plainQdq = await ort.InferenceSession.create(exportQdqOnnx(m.graph, { ...res.table, layers: res.table.layers.map(({ biasDelta: _, ...l }) => l) }));
    // [M][N] outputs → [N][M] blocks for the per-channel mean
    const t = (a: Float32Array) => Float32Array.from({ length: 20 }, (_, i) => a[(i % 4) * 5 + Math.floor(i / 4)]!);
    for (const x of xs) {
      const feed = { x: new ort.Tensor('float32', x, [4, 16]) };
      const q = (await qdq.run(feed))['y']!.data as Float32Array;
      const s = sim.run(x, [4, 16]).outputs[0]!.data;
      for (let i = 0; i < q.length; i++) expect(Math.abs(q[i]! - s[i]!)).toBeLessThan(1e-3);
      const ref = (await fp32.run(feed))['y']!.data as Float32Array;
      errQdq.add(t(q), t(ref));
      errPlain.add(t((await plainQdq.run(feed))['y']!.data as Float32Array), t(ref));
    }
    const worst = (e: ChannelErrorMean) => Math.max(...e.delta().map(Math.abs));
    expect(worst(errPlain)).toBeGreaterThan(0.004);
    expect(worst(errQdq), `${worst(errPlain)} → ${worst(errQdq)}`).toBeLessThan(worst(errPlain) / 10);
    await Promise.all([qdq.release(), fp32.release(), plainQdq.release()]);
  });
});
