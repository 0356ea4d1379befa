/**
 * The ops PP-OCRv4's detector needs beyond the classification models — HardSigmoid,
 * ConvTranspose (strides, pads, output_padding, groups, dilations, auto_pad, 1-D), Resize
 * (nearest/linear/cubic, the coordinate and nearest modes, scales or sizes) and a
 * BatchNormalization left unfolded after a ConvTranspose — on small random inputs:
 *  - the TypeScript FP32 kernels against onnxruntime-node;
 *  - the native FP32 fallback ops against the TypeScript integer reference (whose float ops are
 *    those kernels), bit for bit, behind a quantized Conv as in the real model.
 */
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { crc32 } from '../../src-main/core/eqm/crc32.js';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, maxRelativeDifference, quantize, randomInputs, runReference } from '../helpers/native-models.js';
import { DIMS, opsModel } from '../helpers/demo-ops-model.js';
import { buildModel, randomTensor, rng, type NodeSpec } from '../helpers/onnx-build.js';

describe('ops of the demo model: TypeScript FP32 kernels vs onnxruntime', () => {
  for (const opset of [11, 13]) {
    it(`opset ${opset}: HardSigmoid, ConvTranspose, BatchNormalization, Resize`, async () => {
      const { bytes, outputs } = opsModel(opset);
      const model = loadModelBytes(bytes, `demo-ops${opset}.onnx`);
      const session = await ort.InferenceSession.create(bytes);
      try {
        for (const x of randomInputs(DIMS, 3, 40 + opset, 2)) {
          const want = await session.run({ x: new ort.Tensor('float32', x, DIMS) });
          const got = runGraph(model.graph, { x: { dtype: 'float32', dims: DIMS, data: x } });
          for (const name of outputs) {
            const a = want[name]!;
            const b = got.get(name)!;
            expect(b.dims, name).toEqual(a.dims.map(Number));
            // onnxruntime computes in float32, our kernels in double: compare relative to max(|x|, 1)
            expect(maxRelativeDifference(a.data as Float32Array, b.data as Float32Array, 1), name).toBeLessThanOrEqual(1e-5);
          }
        }
      } finally {
        await session.release();
      }
    });
  }
});

describe('ops of the demo model: native FP32 fallback vs the TypeScript integer reference', () => {
  // EQ_NATIVE_ADDON points the runtime at a prebuilt addon (then nothing is built here)
  beforeAll(() => {
    if (!process.env.EQ_NATIVE_ADDON) ensureNativeAddon();
  }, BUILD_TIMEOUT_MS);

  for (const opset of [11, 13]) {
    it(`opset ${opset}: bit-exact outputs`, async () => {
      const { bytes } = opsModel(opset);
      const model = loadModelBytes(bytes, `demo-ops${opset}.onnx`);
      const q = await quantize(model, randomInputs(DIMS, 2, 5, 1.5), 8);
      const floats = new Set(q.prog.ops.flatMap((o) => (o.kind === 'float' ? [o.node.op] : [])));
      for (const op of ['HardSigmoid', 'ConvTranspose', 'BatchNormalization', 'Resize']) expect(floats, op).toContain(op);
      const session = Runtime.load(compileIntProgram(q.graph, q.prog));
      for (const x of randomInputs(DIMS, 3, 60 + opset, 2)) {
        const ref = runReference(q, x, DIMS);
        const nat = session.run(x, DIMS);
        ref.outputs.forEach((a, k) => {
          const d = firstBitDifference(a, nat[k]!);
          expect(d, `output ${q.prog.outputs[k]} differs at ${d}: ${a[d]} vs ${nat[k]![d]}`).toBe(-1);
        });
      }
    });
  }

  it('500 random mutations of the EQM (payload, CRCs recomputed): an Error with a message, or a model that runs', async () => {
    const { bytes } = opsModel(13);
    const q = await quantize(loadModelBytes(bytes, 'demo-ops13.onnx'), randomInputs(DIMS, 2, 5, 1.5), 8);
    const base = compileIntProgram(q.graph, q.prog);
    const headerSize = new DataView(base.buffer, base.byteOffset).getUint32(8, true);
    const r = rng(99);
    const x = randomInputs(DIMS, 1, 7)[0]!;
    let rejected = 0;
    let ran = 0;
    for (let i = 0; i < 500; i++) {
      const b = base.slice();
      const v = new DataView(b.buffer);
      for (let k = 0; k < 1 + Math.floor(r() * 3); k++) {
        const at = headerSize + Math.floor(r() * (b.length - headerSize - 4));
        if (r() < 0.5) b[at]! ^= 1 << Math.floor(r() * 8);
        else v.setUint32(at & ~3, [0, 1, 2, 3, 0x7fffffff, 0xffffffff, 0x7f800000, 0x7fc00000][Math.floor(r() * 8)]!, true);
      }
      v.setUint32(12, crc32(b, headerSize), true);
      v.setUint32(24, 0, true);
      v.setUint32(24, crc32(b, 0, headerSize), true);
      let session: ReturnType<typeof Runtime.load>;
      try {
        session = Runtime.load(b);
      } catch (e) {
        expect((e as Error).message).toMatch(/^(invalid EQM file|unsupported)/);
        rejected++;
        continue;
      }
      try {
        expect(session.run(x, DIMS).length).toBe(session.info.outputs.length);
        ran++;
      } catch (e) {
        expect((e as Error).message).toMatch(/accumulator overflow/);
      }
    }
    expect(rejected).toBeGreaterThan(100);
    expect(ran).toBeGreaterThan(20);
  });

  it('rejects what it does not implement with a clear message', async () => {
    const nodes: NodeSpec[] = [
      { op: 'Conv', name: 'conv', inputs: ['x', 'wc'], outputs: ['c'] },
      { op: 'Resize', name: 'crop_resize', inputs: ['c', 'roi', 'scales'], outputs: ['y'], attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize' } },
    ];
    const r = rng(3);
    const bytes = buildModel({
      nodes,
      inputs: [{ name: 'x', dims: DIMS }],
      outputs: [{ name: 'y' }],
      initializers: {
        wc: randomTensor([2, 3, 1, 1], r, 0.5),
        roi: { dtype: 'float32', dims: [8], data: Float32Array.from([0, 0, 0.1, 0.1, 1, 1, 0.9, 0.8]) },
        scales: { dtype: 'float32', dims: [4], data: Float32Array.from([1, 1, 2, 2]) },
      },
    });
    const q = await quantize(loadModelBytes(bytes, 'crop.onnx'), randomInputs(DIMS, 1, 2), 8);
    expect(() => Runtime.load(compileIntProgram(q.graph, q.prog))).toThrow(/crop_resize.*tf_crop_and_resize is not supported/);
  });
});
