/**
 * The whole-plane int8 average pool (qavgpool whose window is the plane, as in the squeeze-excite
 * blocks of MediaPipe's segmenters): one exact int64 sum per plane (kernels::GlobalAvgPoolS8,
 * AVX2 VPSADBW sum beside the scalar one). On every ISA level the native runtime must equal the
 * TypeScript integer reference bit for bit, next to windowed pools that keep the general loop.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { expectSameOnEveryIsa } from '../helpers/native-isa.js';
import { quantize, randomInputs } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng, type NodeSpec } from '../helpers/onnx-build.js';

/** 11 x 13 = 143 bytes per plane: four 32-byte AVX2 steps and a 15-byte tail */
const DIMS = [1, 3, 11, 13];

function poolModel(): Uint8Array {
  const r = rng(23);
  const nodes: NodeSpec[] = [
    { op: 'Conv', name: 'conv', inputs: ['x', 'wc', 'bc'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', name: 'relu', inputs: ['c'], outputs: ['a'] },
    // the segmenter's form: AveragePool whose kernel is the plane, then a 1x1 conv
    { op: 'AveragePool', name: 'ap_plane', inputs: ['a'], outputs: ['p1'], attrs: { kernel_shape: [11, 13], strides: [11, 13] } },
    { op: 'Conv', name: 'se1', inputs: ['p1', 'w1', 'b1'], outputs: ['s1'] },
    // the signed conv output (no Relu) through GlobalAveragePool
    { op: 'GlobalAveragePool', name: 'gap', inputs: ['c'], outputs: ['p2'] },
    { op: 'Conv', name: 'se2', inputs: ['p2', 'w2', 'b2'], outputs: ['s2'] },
    // windowed: the general loop
    { op: 'AveragePool', name: 'ap_win', inputs: ['a'], outputs: ['p3'], attrs: { kernel_shape: [3, 3], strides: [2, 2] } },
    { op: 'Conv', name: 'after_win', inputs: ['p3', 'w3', 'b3'], outputs: ['s3'] },
  ];
  const init: Record<string, Tensor> = {
    wc: randomTensor([16, 3, 3, 3], r, 0.6),
    bc: randomTensor([16], r, 0.2),
    w1: randomTensor([8, 16, 1, 1], r, 0.5),
    b1: randomTensor([8], r, 0.1),
    w2: randomTensor([8, 16, 1, 1], r, 0.5),
    b2: randomTensor([8], r, 0.1),
    w3: randomTensor([4, 16, 1, 1], r, 0.5),
    b3: randomTensor([4], r, 0.1),
  };
  return buildModel({ nodes, inputs: [{ name: 'x', dims: DIMS }], outputs: ['s1', 's2', 's3'].map((name) => ({ name })), initializers: init, opset: 13 });
}

describe('whole-plane int8 average pool: native vs the TypeScript integer reference', () => {
  beforeAll(() => {
    if (!process.env.EQ_NATIVE_ADDON) ensureNativeAddon();
  }, BUILD_TIMEOUT_MS);

  for (const bits of [8, 7]) {
    it(`INT${bits}: bit for bit on every available ISA level`, async () => {
      const q = await quantize(loadModelBytes(poolModel(), 'global-avgpool.onnx'), randomInputs(DIMS, 3, 5, 1.5), bits);
      const pools = q.prog.ops.flatMap((o) => (o.kind === 'qavgpool' ? [o.node.name] : []));
      expect(pools.sort()).toEqual(['ap_plane', 'ap_win', 'gap']);
      // amplitudes from small to saturating, so the sums take both signs and large magnitudes
      const inputs = [...randomInputs(DIMS, 2, 30 + bits, 0.5), ...randomInputs(DIMS, 2, 40 + bits, 6)];
      expectSameOnEveryIsa(q, inputs, DIMS);
    });
  }
});
