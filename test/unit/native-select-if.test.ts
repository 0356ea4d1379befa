/**
 * A data-dependent If over plain FP32 branches (the openWakeWord verifier pattern: score ≥
 * threshold → run a second MLP, else pass the score on) is imported as both branches plus a
 * select, calibrates through onnxruntime (branch values are captured by name), compiles to EQM
 * with no If, and the native runtime is bit-exact with the integer reference on both branches.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { compileEqmModel, compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, quantize, randomInputs, runReference } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng, type NodeSpec } from '../helpers/onnx-build.js';

const X_DIMS = [1, 8];

function verifierModel(): Uint8Array {
  const r = rng(11);
  const w = (dims: number[]) => randomTensor(dims, r, 0.5);
  const theIf: NodeSpec = {
    op: 'If',
    name: 'verify',
    inputs: ['c'],
    outputs: ['y'],
    attrs: {
      then_branch: {
        graph: {
          nodes: [
            { op: 'Gemm', name: 'v_fc', inputs: ['h', 'vw', 'vb'], outputs: ['v1'], attrs: { transB: 1 } },
            { op: 'Relu', name: 'v_relu', inputs: ['v1'], outputs: ['v2'] },
            { op: 'Gemm', name: 'v_out', inputs: ['v2', 'ow', 'ob'], outputs: ['v3'], attrs: { transB: 1 } },
            { op: 'Sigmoid', name: 'v_sig', inputs: ['v3'], outputs: ['p2'] },
          ],
          outputs: ['p2'],
          initializers: { ow: w([1, 6]), ob: w([1]) },
        },
      },
      else_branch: { graph: { nodes: [{ op: 'Identity', name: 'pass', inputs: ['p1'], outputs: ['e'] }], outputs: ['e'] } },
    },
  };
  return buildModel({
    nodes: [
      { op: 'Gemm', name: 'fc', inputs: ['x', 'w1', 'b1'], outputs: ['h'], attrs: { transB: 1 } },
      { op: 'ReduceMean', name: 'mean', inputs: ['h'], outputs: ['m'], attrs: { axes: [1] } },
      { op: 'Sigmoid', name: 'sig', inputs: ['m'], outputs: ['p1'] },
      { op: 'GreaterOrEqual', name: 'ge', inputs: ['p1', 'half'], outputs: ['c'] },
      theIf,
    ],
    inputs: [{ name: 'x', dims: X_DIMS }],
    outputs: [{ name: 'y' }],
    initializers: { w1: w([8, 8]), b1: w([8]), vw: w([6, 8]), vb: w([6]), half: { dtype: 'float32', dims: [], data: Float32Array.of(0.5) } },
  });
}

describe('data-dependent If as a select, native', () => {
  beforeAll(() => {
    if (!process.env.EQ_NATIVE_ADDON) ensureNativeAddon();
  }, BUILD_TIMEOUT_MS);

  for (const bits of [8, 7]) {
    it(`INT${bits}: compiles with no If and runs bit for bit like the integer reference on both branches`, async () => {
      const model = loadModelBytes(verifierModel(), 'verifier.onnx');
      expect(model.graph.nodes.map((n) => n.op)).not.toContain('If');
      const q = await quantize(model, randomInputs(X_DIMS, 6, 3, 1.5), bits);
      expect(compileEqmModel(q.graph, q.plan, q.table).floatOps).not.toContain('If');
      const session = Runtime.load(compileIntProgram(q.graph, q.prog), { threads: 1 });
      const taken = new Set<number>();
      for (const x of randomInputs(X_DIMS, 24, 40 + bits, 1.5)) {
        const fp = runGraph(q.graph, { x: { dtype: 'float32', dims: X_DIMS, data: x } }, { fetch: ['c', 'p1', 'verify/then/p2'] });
        const cond = Number(fp.get('c')!.data[0]);
        taken.add(cond);
        // the FP32 select is the taken branch's value exactly
        const want = cond ? fp.get('verify/then/p2')! : fp.get('p1')!;
        expect(Array.from(fp.get('y')!.data as Float32Array)).toEqual(Array.from(want.data as Float32Array));
        const ref = runReference(q, x, X_DIMS);
        const nat = session.run(x, X_DIMS);
        expect(firstBitDifference(ref.outputs[0] as Float32Array, nat[0]!)).toBe(-1);
      }
      expect([...taken].sort()).toEqual([0, 1]);
    }, 120_000);
  }
});
