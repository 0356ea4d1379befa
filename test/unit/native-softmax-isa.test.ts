/**
 * Softmax's SIMD row (native/src/kernels/f32_kernels.h: the AVX2 double exp of Sigmoid, the sum
 * still added in index order). On every ISA level the build and CPU offer, the native runtime
 * must equal the TypeScript integer reference bit for bit: contiguous rows with vector tails
 * (W = 1031) holding ±0, ±inf, NaN, gaps past exp's underflow and OCR-like logits, a row of
 * -inf only, and a Softmax over channels (strided, the scalar loop) in the same session.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { expectSameOnEveryIsa } from '../helpers/native-isa.js';
import { quantize, randomInputs } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng, type NodeSpec } from '../helpers/onnx-build.js';

/** rows of 1031: 128 max blocks of 8 + a tail of 7, 257 exp blocks of 4 + a tail of 3 */
const DIMS = [1, 3, 4, 1031];
const W = DIMS[3]!;

function softmaxModel(): Uint8Array {
  const r = rng(23);
  const nodes: NodeSpec[] = [
    { op: 'Conv', name: 'conv', inputs: ['x', 'wc', 'bc'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Softmax', name: 'smx_rows', inputs: ['c'], outputs: ['s1'], attrs: { axis: -1 } },
    { op: 'Softmax', name: 'smx_chan', inputs: ['c'], outputs: ['s2'], attrs: { axis: 1 } },
    { op: 'Softmax', name: 'smx_input', inputs: ['x'], outputs: ['s0'], attrs: { axis: 3 } },
  ];
  const init: Record<string, Tensor> = { wc: randomTensor([6, 3, 3, 3], r, 0.6), bc: randomTensor([6], r, 0.2) };
  return buildModel({ nodes, inputs: [{ name: 'x', dims: DIMS }], outputs: ['s1', 's2', 's0'].map((name) => ({ name })), initializers: init, opset: 13 });
}

/** the network input: per row of W a different regime */
function edgeInput(): Float32Array {
  const x = new Float32Array(DIMS.reduce((a, b) => a * b, 1));
  const edges = [0, -0, 1e-40, -1e-45, 3.4028234663852886e38, -3.4028234663852886e38, 88.72, -103.97, 708, -708, 709.5, -745.2, 1e30, -1e30, 0.5];
  const r = rng(29);
  for (let row = 0; row < x.length / W; row++) {
    for (let k = 0; k < W; k++) {
      const u = 2 * r() - 1;
      const v = row % 6 === 0 ? 12 * u : row % 6 === 1 ? 900 * u : row % 6 === 2 ? edges[k % edges.length]! : row % 6 === 3 ? 30 * u : row % 6 === 4 ? -Infinity : 3 * u;
      x[row * W + k] = v;
    }
  }
  x[3 * W + 17] = NaN;
  x[5 * W + 1030] = Infinity;
  x[7 * W + 400] = -Infinity;
  x[9 * W + 2] = NaN;
  x[9 * W + 3] = Infinity;
  return x;
}

describe('Softmax rows: native SIMD path vs the TypeScript integer reference', () => {
  beforeAll(() => {
    if (!process.env.EQ_NATIVE_ADDON) ensureNativeAddon();
  }, BUILD_TIMEOUT_MS);

  for (const bits of [8, 7]) {
    it(`INT${bits}: bit for bit on every available ISA level`, async () => {
      const model = loadModelBytes(softmaxModel(), 'softmax-isa.onnx');
      const q = await quantize(model, randomInputs(DIMS, 3, 5, 1.5), bits);
      const floats = q.prog.ops.flatMap((o) => (o.kind === 'float' ? [o.node.name] : []));
      for (const name of ['smx_rows', 'smx_chan', 'smx_input']) expect(floats, name).toContain(name);
      const inputs = [edgeInput(), ...randomInputs(DIMS, 2, 60 + bits, 8)];
      expectSameOnEveryIsa(q, inputs, DIMS);
    });
  }
});
