/**
 * The SIMD paths of two FP32 fallback ops (native/src/kernels/f32_kernels.h): the kernel-2
 * stride-2 ConvTranspose (a segmentation head's upsampler: rows summed over the channels in
 * registers, or fused column taps in the per-row scatter) and Sigmoid (an AVX2 exp in double). On every ISA level the build and CPU offer, the native runtime must equal the
 * TypeScript integer reference bit for bit: ConvTranspose widths with a SIMD tail, output
 * padding, cropping pads, bias, groups; Sigmoid on the network input with ±0, ±inf, NaN, subnormals, the
 * float under/overflow edges of exp and a dense sweep.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { expectSameOnEveryIsa } from '../helpers/native-isa.js';
import { quantize, randomInputs } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng, type NodeSpec } from '../helpers/onnx-build.js';

/** W = 21: per output row of 42, one 16-input step, one 4-input step and a scalar tail */
const DIMS = [1, 3, 9, 21];
const SWEEP = DIMS.reduce((a, b) => a * b, 1);

function headModel(): Uint8Array {
  const r = rng(17);
  const nodes: NodeSpec[] = [
    { op: 'Conv', name: 'conv', inputs: ['x', 'wc', 'bc'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', name: 'relu', inputs: ['c'], outputs: ['a'] },
    // the selfie head: 16 -> 1 channel with bias, then Sigmoid
    { op: 'ConvTranspose', name: 'ct_head', inputs: ['a', 'wt1', 'bt1'], outputs: ['ct1'], attrs: { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] } },
    { op: 'Sigmoid', name: 'sig_head', inputs: ['ct1'], outputs: ['s1'] },
    // output padding (OW = 2W + 1: the extra column gets only the bias), groups, no bias
    { op: 'ConvTranspose', name: 'ct_op', inputs: ['a', 'wt2', 'bt2'], outputs: ['ct2'], attrs: { strides: [2, 2], kernel_shape: [2, 2], output_padding: [1, 1] } },
    { op: 'ConvTranspose', name: 'ct_group', inputs: ['a', 'wt3'], outputs: ['ct3'], attrs: { strides: [2, 2], group: 4 } },
    // cropped by bottom/right pads: odd output width, the scalar tail of the row sum
    { op: 'ConvTranspose', name: 'ct_crop', inputs: ['a', 'wt5', 'bt5'], outputs: ['ct5'], attrs: { strides: [2, 2], kernel_shape: [2, 2], pads: [0, 0, 1, 1] } },
    // kernel 3x2 with a top pad: the per-row scatter with both column taps fused
    { op: 'ConvTranspose', name: 'ct_rows', inputs: ['a', 'wt6'], outputs: ['ct6'], attrs: { strides: [2, 2], kernel_shape: [3, 2], pads: [1, 0, 1, 0] } },
    // not the fast path (left pad, kernel 3): the general loop in the same session
    { op: 'ConvTranspose', name: 'ct_general', inputs: ['a', 'wt4'], outputs: ['ct4'], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], kernel_shape: [3, 3] } },
    { op: 'Sigmoid', name: 'sig_input', inputs: ['x'], outputs: ['s0'] },
  ];
  const init: Record<string, Tensor> = {
    wc: randomTensor([16, 3, 3, 3], r, 0.6),
    bc: randomTensor([16], r, 0.2),
    wt1: randomTensor([16, 1, 2, 2], r, 0.8),
    bt1: randomTensor([1], r, 0.3),
    wt2: randomTensor([16, 3, 2, 2], r, 0.5),
    bt2: randomTensor([3], r, 0.3),
    wt3: randomTensor([16, 2, 2, 2], r, 0.5),
    wt4: randomTensor([16, 2, 3, 3], r, 0.5),
    wt5: randomTensor([16, 2, 2, 2], r, 0.5),
    bt5: randomTensor([2], r, 0.3),
    wt6: randomTensor([16, 2, 3, 2], r, 0.5),
  };
  const outputs = ['s1', 'ct1', 'ct2', 'ct3', 'ct4', 'ct5', 'ct6', 's0'].map((name) => ({ name }));
  return buildModel({ nodes, inputs: [{ name: 'x', dims: DIMS }], outputs, initializers: init, opset: 13 });
}

/** Sigmoid inputs: the edges first, then a sweep of [-40, 40] and of the exp under/overflow zone */
function edgeInput(): Float32Array {
  const x = new Float32Array(SWEEP);
  const edges = [
    0,
    -0,
    Infinity,
    -Infinity,
    NaN,
    1e-40,
    -1e-40,
    1e-45,
    -1e-45,
    3.4028234663852886e38,
    -3.4028234663852886e38,
    88.72,
    -88.72,
    103.97,
    -103.97,
    104,
    -104,
    708,
    -708,
    709.5,
    -709.5,
    745.2,
    -745.2,
    1e30,
    -1e30,
    0.5,
    -0.5,
    1e-8,
    -1e-8,
  ];
  x.set(edges);
  for (let i = edges.length; i < SWEEP; i++) {
    const t = (i - edges.length) / (SWEEP - edges.length);
    x[i] = i % 3 === 0 ? -120 + 240 * t : -40 + 80 * ((t * 7.31) % 1);
  }
  return x;
}

describe('ConvTranspose (kernel 2, stride 2) and Sigmoid: native SIMD paths vs the TypeScript integer reference', () => {
  beforeAll(() => {
    if (!process.env.EQ_NATIVE_ADDON) ensureNativeAddon();
  }, BUILD_TIMEOUT_MS);

  for (const bits of [8, 7]) {
    it(`INT${bits}: bit for bit on every available ISA level`, async () => {
      const model = loadModelBytes(headModel(), 'convt-sigmoid.onnx');
      const q = await quantize(model, randomInputs(DIMS, 3, 5, 1.5), bits);
      const floats = q.prog.ops.flatMap((o) => (o.kind === 'float' ? [o.node.name] : []));
      for (const name of ['ct_head', 'sig_head', 'ct_op', 'ct_group', 'ct_crop', 'ct_rows', 'ct_general', 'sig_input']) expect(floats, name).toContain(name);
      const inputs = [edgeInput(), ...randomInputs(DIMS, 2, 40 + bits, 3)];
      expectSameOnEveryIsa(q, inputs, DIMS, (name, x, d) => (name === 's0' ? ` (x ${x[d]})` : ''));
    });
  }
});
