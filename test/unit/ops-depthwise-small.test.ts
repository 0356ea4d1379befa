/** Regression: depthwise convs on maps narrower than the kernel used to loop forever. */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { findOp } from '../../src-main/core/ops/registry.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';

describe('depthwise conv on tiny feature maps', () => {
  for (const [H, W, s] of [
    [2, 2, 1],
    [1, 1, 1],
    [3, 2, 1],
    [2, 5, 1],
    [2, 2, 2],
    [1, 3, 2],
  ] as const) {
    it(`${H}x${W} stride ${s}`, async () => {
      const r = rng(H * 10 + W + s);
      const x = randomTensor([1, 3, H, W], r);
      const w = randomTensor([3, 1, 3, 3], r);
      const attrs = { group: 3, pads: [1, 1, 1, 1], strides: [s, s] };
      const ours = findOp('Conv', '', 13)!.run({ name: 'c', op: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['y'], attrs }, [x, w], { opset: 13 })[0]!;
      const bytes = buildModel({
        nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs }],
        inputs: [{ name: 'x', dims: [1, 3, H, W] }],
        outputs: [{ name: 'y' }],
        initializers: { w },
      });
      const sess = await ort.InferenceSession.create(bytes);
      const ref = (await sess.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.dims) }))['y']!;
      expect(ours.dims).toEqual(ref.dims.map(Number));
      Array.from(ref.data as Float32Array).forEach((v, i) => expect(ours.data[i]).toBeCloseTo(v, 5));
    });
  }
});
