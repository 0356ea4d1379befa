/**
 * The native FP32 MatMul (kernels/matmul_f32.h: scalar, AVX2, AVX-512 variants) against the
 * TypeScript reference, bit for bit: both sum double products over k in order and round once,
 * and a double FMA of two floats rounds like multiply-then-add. Shapes of an SVTR block (rank-3
 * activations × a 3-D constant or a shared 2-D activation, Q·Kᵀ, per-head 4-D batches) with row
 * and column counts off the 6/8-row and 8/16-column tiles. The fallback picks its kernel from
 * EQ_ISA when the model is loaded, so every level this CPU runs is checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { int64Tensor, type Tensor } from '../../src-main/core/graph/tensor.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, quantize, randomInputs, runReference } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng, type NodeSpec } from '../helpers/onnx-build.js';

const T = 41;
const C = 24;

function svtrLikeModel(): Uint8Array {
  const r = rng(31);
  const ints = (v: number[]): Tensor => int64Tensor([v.length], v);
  const nodes: NodeSpec[] = [
    // [1,T,C] x a 3-D constant [1,C,70] (a 2-D one would be quantized)
    { op: 'MatMul', inputs: ['x', 'wh'], outputs: ['head'], name: 'head' },
    // [1,T,C] x a 2-D activation [C,T]: a shared B (the batch folds into the rows)
    { op: 'Reshape', inputs: ['x', 'flat'], outputs: ['x2'] },
    { op: 'Transpose', inputs: ['x2'], outputs: ['x2t'], attrs: { perm: [1, 0] } },
    { op: 'MatMul', inputs: ['x', 'x2t'], outputs: ['shared'], name: 'shared' },
    // Q·Kᵀ between two activations: a batched B
    { op: 'Transpose', inputs: ['x'], outputs: ['xt'], attrs: { perm: [0, 2, 1] } },
    { op: 'MatMul', inputs: ['x', 'xt'], outputs: ['qk'], name: 'qk' },
    // per-head attention, 4-D: [1,3,T,8] x [1,3,8,T] then x [1,3,T,8]
    { op: 'Reshape', inputs: ['x', 'hshape'], outputs: ['xh4'] },
    { op: 'Transpose', inputs: ['xh4'], outputs: ['q'], attrs: { perm: [0, 2, 1, 3] } },
    { op: 'Transpose', inputs: ['xh4'], outputs: ['kt'], attrs: { perm: [0, 2, 3, 1] } },
    { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['att'], name: 'att' },
    { op: 'MatMul', inputs: ['att', 'q'], outputs: ['av'], name: 'av' },
    // one quantized layer so the model compiles to an integer program
    { op: 'Gemm', inputs: ['x2', 'wg', 'bg'], outputs: ['g'], name: 'fc' },
  ];
  const init: Record<string, Tensor> = {
    wh: randomTensor([1, C, 70], r, 0.4),
    hshape: ints([1, T, 3, 8]),
    flat: ints([T, C]),
    wg: randomTensor([C, 5], r, 0.5),
    bg: randomTensor([5], r, 0.1),
  };
  return buildModel({ nodes, inputs: [{ name: 'x', dims: [1, T, C] }], outputs: ['head', 'shared', 'qk', 'av', 'g'].map((name) => ({ name })), initializers: init });
}

describe('native FP32 MatMul kernels', () => {
  const saved = process.env['EQ_ISA'];
  beforeAll(() => ensureNativeAddon(), BUILD_TIMEOUT_MS);
  afterAll(() => {
    if (saved === undefined) delete process.env['EQ_ISA'];
    else process.env['EQ_ISA'] = saved;
  });

  it('rank-3 × constant, activation × activation and 4-D batches match the reference bit for bit on every ISA level', { timeout: 300_000 }, async () => {
    const dims = [1, T, C];
    const q = await quantize(loadModelBytes(svtrLikeModel(), 'svtr-mm.onnx'), randomInputs(dims, 2, 5, 2), 8);
    const floats = q.prog.ops.filter((o) => o.kind === 'float' && o.node.op === 'MatMul').length;
    expect(floats).toBe(5);
    const eqm = compileIntProgram(q.graph, q.prog);
    const inputs = randomInputs(dims, 2, 9, 3);
    const refs = inputs.map((x) => runReference(q, x, dims));
    const isas = Runtime.version().availableIsas.split(',');
    expect(isas).toContain('scalar');
    for (const isa of isas) {
      process.env['EQ_ISA'] = isa;
      const session = Runtime.load(eqm, { threads: 1 });
      inputs.forEach((x, i) => {
        const nat = session.run(x, dims);
        refs[i]!.outputs.forEach((a, k) => {
          const d = firstBitDifference(a, nat[k]!);
          expect(d, `[${isa}] output ${q.prog.outputs[k]} differs at ${d}: ${a[d]} vs ${nat[k]![d]}`).toBe(-1);
        });
      });
    }
  });
});
