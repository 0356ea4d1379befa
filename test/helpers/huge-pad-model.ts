/**
 * A tiny ONNX file (150 kB) whose first Conv pads a 32x32 input by 2541 on every side: the
 * activations are 1x64x5112x5112 (6.7 GB as float32) and the two Convs ~1008 G MACs. Only
 * the resource budget (service/model-limits.ts) stands between it and minutes of compute.
 */
import { buildModel, randomTensor, rng } from './onnx-build.js';

export function hugePadModel(): Uint8Array {
  const r = rng(1);
  return buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w0', 'b0'], outputs: ['y0'], attrs: { kernel_shape: [3, 3], pads: [2541, 2541, 2541, 2541] } },
      { op: 'Relu', inputs: ['y0'], outputs: ['y1'] },
      { op: 'Conv', inputs: ['y1', 'w1', 'b1'], outputs: ['y2'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    ],
    inputs: [{ name: 'x', dims: [1, 3, 32, 32] }],
    outputs: [{ name: 'y2' }],
    initializers: { w0: randomTensor([64, 3, 3, 3], r), b0: randomTensor([64], r), w1: randomTensor([64, 64, 3, 3], r), b1: randomTensor([64], r) },
  });
}
