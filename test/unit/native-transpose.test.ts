/**
 * The native FP32 Transpose (native/src/fallback/shape_ops.cc: axes merged, the 32 x 32 tiled
 * copy when the two innermost output axes swap an input row) against a direct index
 * computation, element for element: NHWC -> NCHW with 3 and 40 channels (one tile and several),
 * NCHW -> NHWC with a batch, axis swaps that leave the rows whole, unit axes, 2-D and 5-D.
 * The transposed input is a model output, so the copy itself is what is compared.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { quantize, randomInputs } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';

/** y = transpose(x, perm) by index arithmetic */
function transpose(x: Float32Array, dims: number[], perm: number[]): Float32Array {
  const r = dims.length;
  const inSt = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = perm.map((p) => dims[p]!);
  const y = new Float32Array(x.length);
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < y.length; o++) {
    let src = 0;
    for (let d = 0; d < r; d++) src += idx[d]! * inSt[perm[d]!]!;
    y[o] = x[src]!;
    for (let d = r - 1; d >= 0; d--) {
      if (++idx[d]! < out[d]!) break;
      idx[d] = 0;
    }
  }
  return y;
}

/** x → Transpose(perm) → t (an output); x → Flatten → Gemm → z (the quantized layer a model needs) */
function model(dims: number[], perm: number[]): Uint8Array {
  const n = dims.reduce((a, b) => a * b, 1) / dims[0]!;
  return buildModel({
    nodes: [
      { op: 'Transpose', inputs: ['x'], outputs: ['t'], name: 'transpose', attrs: { perm } },
      { op: 'Flatten', inputs: ['x'], outputs: ['f'], name: 'flat' },
      { op: 'Gemm', inputs: ['f', 'w', 'b'], outputs: ['z'], name: 'fc', attrs: { transB: 1 } },
    ],
    inputs: [{ name: 'x', dims }],
    outputs: [{ name: 't' }, { name: 'z' }],
    initializers: { w: randomTensor([4, n], rng(7), 0.1), b: randomTensor([4], rng(8), 0.1) },
  });
}

const CASES: { dims: number[]; perm: number[] }[] = [
  { dims: [1, 13, 17, 3], perm: [0, 3, 1, 2] },
  // 2 to 4 channels last -> first (the unrolled deinterleave), with a batch axis walked outside it
  { dims: [2, 9, 11, 2], perm: [0, 3, 1, 2] },
  { dims: [3, 6, 5, 4], perm: [0, 3, 1, 2] },
  { dims: [2, 7, 3], perm: [0, 2, 1] },
  { dims: [1, 5, 7, 40], perm: [0, 3, 1, 2] },
  { dims: [2, 3, 33, 35], perm: [0, 2, 3, 1] },
  { dims: [2, 3, 4, 5], perm: [1, 0, 2, 3] },
  { dims: [3, 1, 4, 5], perm: [2, 1, 0, 3] },
  { dims: [1, 37, 65], perm: [0, 2, 1] },
  { dims: [2, 3, 4, 5, 6], perm: [0, 1, 4, 2, 3] },
  { dims: [2, 3, 4, 5, 6], perm: [4, 3, 2, 1, 0] },
];

describe('native Transpose', () => {
  beforeAll(() => ensureNativeAddon(), BUILD_TIMEOUT_MS);

  for (const c of CASES) {
    it(`${JSON.stringify(c.dims)} perm ${JSON.stringify(c.perm)}`, async () => {
      const q = await quantize(loadModelBytes(model(c.dims, c.perm), 'transpose.onnx'), randomInputs(c.dims, 1, 3), 8);
      const session = Runtime.load(compileIntProgram(q.graph, q.prog));
      const [x] = randomInputs(c.dims, 1, 11);
      const [t] = session.run(x!, c.dims);
      expect(Array.from(t!)).toEqual(Array.from(transpose(x!, c.dims, c.perm)));
    });
  }
});
