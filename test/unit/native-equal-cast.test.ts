/**
 * Equal and Cast as native FP32 fallback ops (native/src/fallback/equal.cc, cast.cc): M-LSD
 * keeps its line-centre peaks with Equal(x, MaxPool(x)) → Cast FLOAT → Mul, which `compile`
 * refused before. The native runtime must match the TypeScript integer reference bit for bit
 * (INT8 and INT7), including the wrapping integer casts, BOOL, INT64 Equal and FLOAT16.
 */
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, maskOpsModel, quantize, randomInputs, runReference } from '../helpers/native-models.js';
import { buildModel } from '../helpers/onnx-build.js';

const X_DIMS = [1, 3, 8, 8];

describe('Equal / Cast on the native runtime', () => {
  beforeAll(() => {
    if (!process.env.EQ_NATIVE_ADDON) ensureNativeAddon();
  }, BUILD_TIMEOUT_MS);

  for (const bits of [8, 7]) {
    it(`INT${bits}: the peak mask and every cast, bit for bit with the integer reference`, async () => {
      const q = await quantize(loadModelBytes(maskOpsModel(), 'mask.onnx'), randomInputs(X_DIMS, 3, 5, 1.5), bits);
      const floatOps = q.prog.ops.flatMap((o) => (o.kind === 'float' ? [o.node.op] : []));
      expect(floatOps).toContain('Equal');
      expect(floatOps).toContain('Cast');
      const session = Runtime.load(compileIntProgram(q.graph, q.prog));
      let peaks = 0;
      for (const x of randomInputs(X_DIMS, 3, 40 + bits, 2)) {
        const ref = runReference(q, x, X_DIMS);
        const nat = session.run(x, X_DIMS);
        expect(nat.length).toBe(6);
        ref.outputs.forEach((want, k) => {
          const d = firstBitDifference(want as Float32Array, nat[k]!);
          expect(d, `output ${q.prog.outputs[k]} differs at ${d}`).toBe(-1);
        });
        peaks += nat[0]!.filter((v) => v !== 0).length;
        // the wrapped casts are not trivially 0: INT32 of ±3e9·a leaves the int32 range
        expect(nat[1]!.some((v) => v !== 0)).toBe(true);
      }
      expect(peaks).toBeGreaterThan(0);
    });
  }
});

describe('Equal / Cast: the TypeScript kernels against onnxruntime', () => {
  it('the M-LSD peak mask is bit for bit', async () => {
    const bytes = buildModel({
      nodes: [
        { op: 'MaxPool', inputs: ['a'], outputs: ['mp'], name: 'pool', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
        { op: 'Equal', inputs: ['a', 'mp'], outputs: ['eq'], name: 'eq' },
        { op: 'Cast', inputs: ['eq'], outputs: ['eqf'], name: 'cast', attrs: { to: 1 } },
        { op: 'Mul', inputs: ['a', 'eqf'], outputs: ['y'], name: 'mul' },
      ],
      inputs: [{ name: 'a', dims: [1, 4, 8, 8] }],
      outputs: [{ name: 'y' }],
      opset: 17,
    });
    const model = loadModelBytes(bytes, 'peaks.onnx');
    const session = await ort.InferenceSession.create(bytes);
    try {
      for (const a of randomInputs([1, 4, 8, 8], 2, 3, 2)) {
        const want = (await session.run({ a: new ort.Tensor('float32', a, [1, 4, 8, 8]) }))['y']!.data as Float32Array;
        const got = runGraph(model.graph, { a: { dtype: 'float32', dims: [1, 4, 8, 8], data: a } }).get('y')!.data as Float32Array;
        expect(firstBitDifference(want, got)).toBe(-1);
      }
    } finally {
      await session.release();
    }
  });
});
