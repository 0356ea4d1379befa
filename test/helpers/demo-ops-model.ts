/** A small model with the ops PP-OCRv4's detector adds (HardSigmoid, ConvTranspose, BatchNormalization, Resize) behind a quantizable Conv. */
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { buildModel, randomTensor, rng, type NodeSpec } from './onnx-build.js';

export const DIMS = [1, 3, 8, 10];

export function opsModel(opset: number): { bytes: Uint8Array; outputs: string[] } {
  const r = rng(opset * 7 + 1);
  const f32 = (v: number[]): Tensor => ({ dtype: 'float32', dims: [v.length], data: Float32Array.from(v) });
  const i64 = (v: number[]): Tensor => ({ dtype: 'int64', dims: [v.length], data: Float64Array.from(v) });
  const empty: Tensor = { dtype: 'float32', dims: [0], data: new Float32Array(0) };
  const resize = (name: string, attrs: NodeSpec['attrs'], scales?: number[], sizes?: number[]): NodeSpec => ({
    op: 'Resize',
    name,
    // opset 11-12 need the scales input even when sizes are given: an empty tensor then
    inputs: ['m', 'roi', scales ? `${name}_scales` : 'no_scales', ...(sizes ? [`${name}_sizes`] : [])],
    outputs: [name],
    attrs,
  });
  const resizes: [NodeSpec, number[] | undefined, number[] | undefined][] = [
    [resize('r_nearest_floor', { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, [1, 1, 2, 2]), [1, 1, 2, 2], undefined],
    [resize('r_nearest_half', { mode: 'nearest' }, [1, 1, 1.5, 0.7]), [1, 1, 1.5, 0.7], undefined],
    [resize('r_nearest_ceil', { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'ceil' }, [1, 1, 1.7, 2.3]), [1, 1, 1.7, 2.3], undefined],
    [resize('r_nearest_pc', { mode: 'nearest', nearest_mode: 'round_prefer_ceil' }, [1, 1, 3, 0.5]), [1, 1, 3, 0.5], undefined],
    [resize('r_linear_ac', { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, undefined, [1, 4, 5, 13]), undefined, [1, 4, 5, 13]],
    [resize('r_linear_half', { mode: 'linear' }, [1, 1, 0.5, 2.5]), [1, 1, 0.5, 2.5], undefined],
    [resize('r_linear_pt', { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, undefined, [1, 4, 1, 7]), undefined, [1, 4, 1, 7]],
    [resize('r_cubic', { mode: 'cubic', coordinate_transformation_mode: 'half_pixel', exclude_outside: 1 }, [1, 1, 1.3, 1.7]), [1, 1, 1.3, 1.7], undefined],
    [resize('r_cubic_asym', { mode: 'cubic', coordinate_transformation_mode: 'asymmetric', cubic_coeff_a: -0.5 }, [1, 1, 0.6, 1.5]), [1, 1, 0.6, 1.5], undefined],
  ];
  if (opset < 13) resizes.push([resize('r_tf_nn', { mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn' }, [1, 1, 2.5, 1.5]), [1, 1, 2.5, 1.5], undefined]);
  const nodes: NodeSpec[] = [
    { op: 'Conv', name: 'conv', inputs: ['x', 'wc', 'bc'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'HardSigmoid', name: 'hsig', inputs: ['c'], outputs: ['hs'], attrs: { alpha: 0.1666667, beta: 0.5 } },
    { op: 'HardSigmoid', name: 'hsig_default', inputs: ['c'], outputs: ['hs2'] },
    { op: 'Mul', name: 'hswish', inputs: ['c', 'hs'], outputs: ['m'] },
    { op: 'ConvTranspose', name: 'ct_s2', inputs: ['m', 'wt1'], outputs: ['ct1'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: 'BatchNormalization', name: 'bn', inputs: ['ct1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], outputs: ['bn'], attrs: { epsilon: 1e-5 } },
    { op: 'Relu', name: 'bn_relu', inputs: ['bn'], outputs: ['bnr'] },
    { op: 'ConvTranspose', name: 'ct_group', inputs: ['m', 'wt2', 'bt2'], outputs: ['ct2'], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1], group: 2 } },
    { op: 'ConvTranspose', name: 'ct_same', inputs: ['m', 'wt3'], outputs: ['ct3'], attrs: { strides: [2, 2], dilations: [2, 1], auto_pad: 'SAME_UPPER' } },
    { op: 'ConvTranspose', name: 'ct_outshape', inputs: ['m', 'wt4', 'bt4'], outputs: ['ct4'], attrs: { strides: [3, 2], output_shape: [23, 20], pads: [0, 0, 0, 0] } },
    { op: 'Reshape', name: 'to1d', inputs: ['m', 'shape1d'], outputs: ['m1'] },
    { op: 'ConvTranspose', name: 'ct_1d', inputs: ['m1', 'wt5', 'bt5'], outputs: ['ct5'], attrs: { strides: [3], pads: [1, 2] } },
    ...resizes.map(([n]) => n),
  ];
  const init: Record<string, Tensor> = {
    wc: randomTensor([4, 3, 3, 3], r, 0.6),
    bc: randomTensor([4], r, 0.2),
    wt1: randomTensor([4, 3, 2, 2], r, 0.5),
    bn_s: randomTensor([3], r, 1),
    bn_b: randomTensor([3], r, 0.3),
    bn_m: randomTensor([3], r, 0.2),
    bn_v: { dtype: 'float32', dims: [3], data: Float32Array.from([0.5, 1.3, 0.01]) },
    wt2: randomTensor([4, 1, 3, 3], r, 0.5),
    bt2: randomTensor([2], r, 0.2),
    wt3: randomTensor([4, 2, 3, 3], r, 0.5),
    wt4: randomTensor([4, 3, 2, 3], r, 0.5),
    bt4: randomTensor([3], r, 0.2),
    shape1d: i64([1, 4, 80]),
    wt5: randomTensor([4, 2, 4], r, 0.5),
    bt5: randomTensor([2], r, 0.2),
    roi: empty,
    no_scales: empty,
  };
  for (const [n, scales, sizes] of resizes) {
    if (scales) init[`${n.name}_scales`] = f32(scales);
    if (sizes) init[`${n.name}_sizes`] = i64(sizes);
  }
  const outputs = ['hs2', 'bnr', 'ct2', 'ct3', 'ct4', 'ct5', ...resizes.map(([n]) => n.name!)];
  return { bytes: buildModel({ nodes, inputs: [{ name: 'x', dims: DIMS }], outputs: outputs.map((name) => ({ name })), initializers: init, opset }), outputs };
}
