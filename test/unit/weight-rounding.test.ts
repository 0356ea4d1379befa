/**
 * Optimised weight rounding (--weight-rounding adaround): on a small conv layer it lowers the
 * layer's output error against FP32 below round-to-nearest; through calibrate() the table
 * carries the rounding, scales.json round-trips it, and the fake-quant simulation, the integer
 * reference, the native EQM runtime and the QDQ export all use the same integer weights.
 */
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
import { quantizeWeights } from '../../src-main/core/quant/fake-quant-layer.js';
import { linearForward } from '../../src-main/core/quant/linear-geom.js';
import { planQuantization, type QuantLayer } from '../../src-main/core/quant/plan.js';
import { decodeFlips, encodeFlips, layerFlips, optimiseRounding, roundedWeight } from '../../src-main/core/quant/weight-rounding.js';
import { parseScalesJson, writeScalesJson } from '../../src-main/io/scales-json.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';
import { ensureNativeAddon } from '../helpers/native.js';

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

function samples(n: number, seed = 9): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Float32Array.from(randomTensor(DIMS, r, 1).data as Float32Array, (v) => Math.abs(v)));
}

/** Σ over images of ‖Ŵx̂ − Wx‖² for one layer (x̂: x quantized at `sa`, Ŵ the integer weights / scales) */
function layerError(l: QuantLayer, xs: Float32Array[], sa: number, ws: number[], wq: Int8Array, qmax: number): number {
  const wHat = Float64Array.from(wq, (q, i) => q / Math.fround(ws[Math.floor(i / l.geom.K)]!));
  let err = 0;
  for (const x of xs) {
    const xh = Float64Array.from(x, (v) => Math.max(-qmax, Math.min(qmax, Math.round(Math.fround(v * sa)))) / sa);
    const a = linearForward(xh, l.geom, wHat);
    const b = linearForward(x, l.geom, l.wRows);
    for (let i = 0; i < a.length; i++) err += (a[i]! - b[i]!) ** 2;
  }
  return err;
}

describe('optimised weight rounding, pure parts', () => {
  it('a flipped weight takes the other of floor/ceil; unflippable integers and clipped values stay', () => {
    expect(roundedWeight(0.33, 10, 63, false)).toBe(3);
    expect(roundedWeight(0.33, 10, 63, true)).toBe(4);
    expect(roundedWeight(0.3, 10, 63, true)).toBe(3); // f32(0.3·10) is exactly 3
    expect(roundedWeight(-0.26, 10, 63, true)).toBe(-2);
    expect(roundedWeight(0.5, 4, 63, true)).toBe(2); // exactly an integer: nothing to flip to
    expect(roundedWeight(7.0, 10, 63, true)).toBe(63);
  });

  it('the bitmask survives base64, and a mask of the wrong size is refused by name', () => {
    const m = Uint8Array.of(0, 255, 7, 128, 1);
    expect(Array.from(decodeFlips(encodeFlips(m), 40, 'x'))).toEqual(Array.from(m));
    expect(() => decodeFlips(encodeFlips(m), 48, "layer 'c'")).toThrow(/layer 'c': weight_round_flip has 5 bytes, the layer's 48 weights need 6/);
  });

  it('on a small conv layer the optimised rounding has a lower output error than nearest', () => {
    const m = loadModelBytes(model(), 'wr.onnx');
    const l = planQuantization(m.graph).layers[0]!;
    const xs = samples(4);
    const qmax = 15; // INT5: rounding matters
    const maxAbs = Math.max(...xs.map((x) => Math.max(...x)));
    const sa = Math.fround(qmax / maxAbs);
    const ws = Array.from({ length: l.geom.cout }, (_, c) => Math.fround(qmax / Math.max(...l.wRows.subarray(c * l.geom.K, (c + 1) * l.geom.K).map(Math.abs))));
    const near = layerError(l, xs, sa, ws, quantizeWeights(l, ws, qmax), qmax);
    // target W x̂ (no FP32 reference), all positions
    const r = optimiseRounding(l.geom, l.wRows, l.bias, ws, qmax, { xs, aScale: sa, positions: undefined })!;
    expect(r.flipped).toBeGreaterThan(0);
    expect(r.errOptimised).toBeLessThan(r.errNearest);
    const opt = layerError(l, xs, sa, ws, quantizeWeights(l, ws, qmax, r.flips), qmax);
    expect(opt).toBeLessThan(near * 0.9);
    // too few samples for the fan-in: nearest
    expect(optimiseRounding(l.geom, l.wRows, l.bias, ws, qmax, { xs: xs.slice(0, 1), aScale: sa, positions: Int32Array.of(0, 9, 20) })).toBeUndefined();
  });
});

describe('--weight-rounding adaround through calibrate and every engine', () => {
  beforeAll(() => ensureNativeAddon(), 1_200_000);

  it('EQ INT5: lower error than nearest, one set of integer weights everywhere', { timeout: 600_000 }, async () => {
    const bytes = model();
    const m = loadModelBytes(bytes, 'wr.onnx');
    const xs = samples(6);
    const fp32 = await ort.InferenceSession.create(bytes);
    const refs: Float32Array[] = [];
    for (const x of xs) refs.push((await fp32.run({ x: new ort.Tensor('float32', x, DIMS) }))['y']!.data as Float32Array);
    await fp32.release();
    const plan = planQuantization(m.graph);
    const settings = (wr: CalibSettings['weightRounding']): CalibSettings => ({
      ...DEFAULT_SETTINGS,
      method: 'eq',
      bits: 5,
      steps: 9,
      accel: 'ts',
      samplePositions: 0,
      weightRounding: wr,
    });
    const near = await calibrate(m, xs, DIMS, settings('nearest'), { warn: () => {} });
    expect(near.table.layers.every((l) => l.weightRoundFlip === undefined)).toBe(true);
    expect(near.table.settings['weightRounding']).toBeUndefined();
    const ada = await calibrate(m, xs, DIMS, settings('adaround'), { warn: () => {} });
    expect(ada.table.layers.map((l) => typeof l.weightRoundFlip)).toEqual(['string', 'string']);
    expect(ada.table.settings['weightRounding']).toBe('adaround');

    const mse = (outs: Float32Array[]) => outs.reduce((a, o, i) => a + o.reduce((s, v, j) => s + (v - refs[i]![j]!) ** 2, 0), 0);
    const intRef = (t: typeof near.table) => xs.map((x) => runIntProgram(m.graph, lowerToIntProgram(m.graph, plan, t), x, DIMS).outputs[0]!.data as Float32Array);
    expect(mse(intRef(ada.table))).toBeLessThan(mse(intRef(near.table)));

    // scales.json carries the rounding: version 3, same table back, same EQM bytes
    const text = writeScalesJson(ada.table);
    expect(JSON.parse(text).version).toBe(3);
    const back = parseScalesJson(text, 'wr/scales.json');
    expect(back.layers.map((l) => l.weightRoundFlip)).toEqual(ada.table.layers.map((l) => l.weightRoundFlip));
    const eqm = compileEqm(m.graph, plan, ada.table);
    expect(Buffer.from(compileEqm(m.graph, plan, back)).equals(Buffer.from(eqm))).toBe(true);
    expect(Buffer.from(compileEqm(m.graph, plan, near.table)).equals(Buffer.from(eqm))).toBe(false);

    // the same integer weights: what the table decodes to, not nearest, also in the QDQ model
    const g = buildQdqGraph(m.graph, back);
    plan.layers.forEach((l, i) => {
      const ls = back.layers[i]!;
      const wq = quantizeWeights(l, ls.weightScales, back.qmax, layerFlips(ls, l.geom.cout, l.geom.K));
      expect(Array.from(wq)).not.toEqual(Array.from(quantizeWeights(l, ls.weightScales, back.qmax)));
      const dq = g.nodes.find((n) => n.op === 'DequantizeLinear' && n.outputs[0] === g.nodes.find((c) => c.name === l.name)!.inputs[1]);
      expect(Array.from(g.initializers.get(dq!.inputs[0]!)!.data as Int8Array)).toEqual(Array.from(wq));
    });

    // native runs bit for bit like the integer reference; in sim and QDQ the rounding lowers the error too
    const native = Runtime.load(eqm);
    const ir = intRef(back);
    xs.forEach((x, i) => expect(Array.from(native.run(x, DIMS)[0]!)).toEqual(Array.from(ir[i]!)));
    const simOuts = (t: typeof near.table) => xs.map((x) => createSimEngine(m.graph, plan, t).run(x, DIMS).outputs[0]!.data);
    expect(mse(simOuts(back))).toBeLessThan(mse(simOuts(near.table)));
    const qdqOuts = async (t: typeof near.table) => {
      const qdq = await ort.InferenceSession.create(exportQdqOnnx(m.graph, t));
      const o: Float32Array[] = [];
      for (const x of xs) o.push((await qdq.run({ x: new ort.Tensor('float32', x, DIMS) }))['y']!.data as Float32Array);
      await qdq.release();
      return o;
    };
    expect(mse(await qdqOuts(back))).toBeLessThan(mse(await qdqOuts(near.table)));
  });
});
