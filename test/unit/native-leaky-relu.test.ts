/**
 * LeakyRelu as an FP32 fallback op of the native runtime (issue 11, the first op added through
 * the per-op files: native/src/fallback/leaky_relu.cc + one line in fp32_registry.cc):
 *  - the TypeScript FP32 kernel against onnxruntime-node, bit for bit;
 *  - the native runtime against the TypeScript integer reference, bit for bit, between
 *    quantized convolutions (an int8 table, qlut) and before the FP32 tail, default and explicit alpha.
 */
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, quantize, randomInputs, runReference } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng, type NodeSpec } from '../helpers/onnx-build.js';

const DIMS = [1, 3, 10, 10];

function leakyModel(): Uint8Array {
  const r = rng(11);
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], name: 'conv1', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'LeakyRelu', inputs: ['c1'], outputs: ['l1'], name: 'leaky1', attrs: { alpha: 0.1 } },
    { op: 'Conv', inputs: ['l1', 'w2', 'b2'], outputs: ['c2'], name: 'conv2' },
    { op: 'LeakyRelu', inputs: ['c2'], outputs: ['l2'], name: 'leaky2' },
    { op: 'GlobalAveragePool', inputs: ['l2'], outputs: ['gap'], name: 'gap' },
    { op: 'Flatten', inputs: ['gap'], outputs: ['y'], name: 'flat' },
  ];
  const init: Record<string, Tensor> = {
    w1: randomTensor([8, 3, 3, 3], r, 0.5),
    b1: randomTensor([8], r, 0.1),
    w2: randomTensor([6, 8, 3, 3], r, 0.3),
    b2: randomTensor([6], r, 0.1),
  };
  return buildModel({ nodes, inputs: [{ name: 'x', dims: DIMS }], outputs: [{ name: 'y' }, { name: 'l1' }], initializers: init });
}

describe('LeakyRelu: TypeScript FP32 kernel vs onnxruntime', () => {
  it('bit for bit, alpha 0.1 and the default 0.01', async () => {
    const bytes = buildModel({
      nodes: [
        { op: 'LeakyRelu', inputs: ['x'], outputs: ['a'], name: 'explicit', attrs: { alpha: 0.1 } },
        { op: 'LeakyRelu', inputs: ['x'], outputs: ['d'], name: 'default' },
      ],
      inputs: [{ name: 'x', dims: DIMS }],
      outputs: [{ name: 'a' }, { name: 'd' }],
      initializers: {},
    });
    const model = loadModelBytes(bytes, 'leaky-only.onnx');
    const session = await ort.InferenceSession.create(bytes);
    try {
      for (const x of randomInputs(DIMS, 2, 3, 2)) {
        x[0] = -0;
        x[1] = Number.NaN;
        const want = await session.run({ x: new ort.Tensor('float32', x, DIMS) });
        const got = runGraph(model.graph, { x: { dtype: 'float32', dims: DIMS, data: x } });
        for (const name of ['a', 'd']) expect(firstBitDifference(want[name]!.data as Float32Array, got.get(name)!.data as Float32Array), name).toBe(-1);
      }
    } finally {
      await session.release();
    }
  });
});

describe('LeakyRelu: native FP32 fallback vs the TypeScript integer reference', () => {
  // EQ_NATIVE_ADDON points the runtime at a prebuilt addon (then nothing is built here)
  beforeAll(() => {
    if (!process.env.EQ_NATIVE_ADDON) ensureNativeAddon();
  }, BUILD_TIMEOUT_MS);

  for (const bits of [8, 7]) {
    it(`INT${bits}: the compiled model has float LeakyRelu ops and the outputs are bit-exact`, async () => {
      const model = loadModelBytes(leakyModel(), 'leaky.onnx');
      const q = await quantize(model, randomInputs(DIMS, 3, 5, 1.5), bits);
      // leaky2 feeds the FP32 average pool and stays an FP32 op; leaky1 sits between two
      // quantized convolutions and runs as an int8 table (qlut) since activation chains are fused
      const leaky = q.prog.ops.filter((o) => o.kind === 'float' && o.node.op === 'LeakyRelu');
      expect(leaky.map((o) => (o.kind === 'float' ? o.node.name : ''))).toEqual(['leaky2']);
      expect(q.prog.ops.filter((o) => o.kind === 'qlut').length).toBe(1);
      const session = Runtime.load(compileIntProgram(q.graph, q.prog));
      for (const x of randomInputs(DIMS, 3, 60 + bits, 2)) {
        const ref = runReference(q, x, DIMS);
        const nat = session.run(x, DIMS);
        ref.outputs.forEach((a, k) => {
          const d = firstBitDifference(a as Float32Array, nat[k]!);
          expect(d, `output ${q.prog.outputs[k]} differs at ${d}`).toBe(-1);
        });
        // negative inputs reached the op, so alpha was applied
        expect(Array.from(ref.outputs[1] as Float32Array).some((v) => v < 0)).toBe(true);
      }
    });
  }
});
