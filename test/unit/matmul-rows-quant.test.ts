/**
 * MatMul of rank-3 activations by a constant 2-D weight ([1,T,C] × [C,N], the SVTR/CTC layers
 * of PP-OCR recognisers) is a quantized Gemm over the T rows: the plan quantizes it, the native
 * runtime matches the integer reference bit for bit on every ISA level, and a corrected bias
 * in the QDQ export becomes an Add after the MatMul (Gemm takes 2-D inputs only).
 */
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src-main/core/calib/settings.js';
import { createSimEngine } from '../../src-main/core/engine/sim.js';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { buildQdqGraph, exportQdqOnnx } from '../../src-main/core/export/qdq-onnx.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { calibrate } from '../../src-main/pipeline/calib/calibrate.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, quantize, randomInputs, runReference } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';

const T = 13;
const C = 24;
const DIMS = [1, T, C];

/** x → MatMul W1 → Relu → MatMul W2 (head); plus a MatMul by a 3-D weight and one between activations (both stay FP32) */
function rowsModel(): Uint8Array {
  const r = rng(41);
  return buildModel({
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w1'], outputs: ['h'], name: 'fc1' },
      { op: 'Relu', inputs: ['h'], outputs: ['hr'], name: 'relu1' },
      { op: 'MatMul', inputs: ['hr', 'w2'], outputs: ['y'], name: 'head' },
      { op: 'MatMul', inputs: ['x', 'w3'], outputs: ['z'], name: 'w3d' },
      { op: 'Transpose', inputs: ['hr'], outputs: ['hrt'], attrs: { perm: [0, 2, 1] } },
      { op: 'MatMul', inputs: ['hr', 'hrt'], outputs: ['att'], name: 'att' },
    ],
    inputs: [{ name: 'x', dims: DIMS }],
    outputs: [{ name: 'y' }, { name: 'z' }, { name: 'att' }],
    initializers: { w1: randomTensor([C, 40], r, 0.4), w2: randomTensor([40, 37], r, 0.4), w3: randomTensor([1, C, 5], r, 0.4) },
  });
}

describe('rank-3 MatMul by a constant weight as a quantized Gemm over rows', () => {
  beforeAll(() => ensureNativeAddon(), BUILD_TIMEOUT_MS);

  it('is planned as int8 fully connected with P = T; a 3-D weight or two activations stay FP32', () => {
    const m = loadModelBytes(rowsModel(), 'rows.onnx');
    const plan = planQuantization(m.graph);
    expect(plan.layers.map((l) => [l.name, l.geom.kind, l.geom.P, l.geom.K, l.geom.cout])).toEqual([
      ['fc1', 'gemm', T, C, 40],
      ['head', 'gemm', T, 40, 37],
    ]);
    const why = new Map(plan.report.map((n) => [n.name, n]));
    expect(why.get('head')!.quantized).toBe(true);
    expect(why.get('w3d')!.reason).toBe('weight is not 2-D');
    expect(why.get('att')!.reason).toBe('weights are not constant');
  });

  it('native matches the integer reference bit for bit on every ISA level (INT8 and INT7)', { timeout: 300_000 }, async () => {
    const m = loadModelBytes(rowsModel(), 'rows.onnx');
    for (const bits of [8, 7]) {
      const q = await quantize(m, randomInputs(DIMS, 2, 3, 1.5), bits);
      expect(q.prog.ops.filter((o) => o.kind === 'qlinear').map((o) => (o.kind === 'qlinear' ? o.outDims : []))).toEqual([
        [1, T, 40],
        [1, T, 37],
      ]);
      const eqm = compileIntProgram(q.graph, q.prog);
      // inputs beyond the calibrated range too (saturation)
      const inputs = randomInputs(DIMS, 2, 11, 3);
      const refs = inputs.map((x) => runReference(q, x, DIMS));
      for (const isa of Runtime.version().availableIsas.split(',')) {
        const session = Runtime.load(eqm, { isa, threads: 1 });
        inputs.forEach((x, i) => {
          const nat = session.runWithTaps(x, DIMS);
          for (const [layer, t] of refs[i]!.taps) expect(firstBitDifference(t, nat.taps[layer]!), `[${isa} int${bits}] tap ${layer}`).toBe(-1);
          refs[i]!.outputs.forEach((a, k) => expect(firstBitDifference(a, nat.outputs[k]!), `[${isa} int${bits}] output ${q.prog.outputs[k]}`).toBe(-1));
        });
      }
    }
  });

  it('a corrected bias is an Add after the MatMul in the QDQ export; onnxruntime agrees with the simulation', { timeout: 600_000 }, async () => {
    const bytes = rowsModel();
    const m = loadModelBytes(bytes, 'rows.onnx');
    const xs = randomInputs(DIMS, 6, 21, 1);
    const res = await calibrate(m, xs, DIMS, { ...DEFAULT_SETTINGS, method: 'minmax', bits: 6, samplePositions: 0, biasCorrection: true }, { warn: () => {} });
    expect(res.table.layers.map((l) => l.biasDelta?.length)).toEqual([40, 37]);
    const g = buildQdqGraph(m.graph, res.table);
    const head = g.nodes.findIndex((n) => n.name === 'head');
    expect(g.nodes[head]!.op).toBe('MatMul');
    expect(g.nodes[head + 1]!.op).toBe('Add');
    expect(g.nodes[head + 1]!.outputs).toEqual(['y']);
    const sim = createSimEngine(m.graph, res.plan, res.table);
    const qdq = await ort.InferenceSession.create(exportQdqOnnx(m.graph, res.table));
    for (const x of xs) {
      const got = (await qdq.run({ x: new ort.Tensor('float32', x, DIMS) }))['y']!.data as Float32Array;
      const want = sim.run(x, DIMS).outputs[0]!.data;
      expect(got.length).toBe(T * 37);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!), `y[${i}]`).toBeLessThan(1e-3);
    }
    await qdq.release();
  });
});
