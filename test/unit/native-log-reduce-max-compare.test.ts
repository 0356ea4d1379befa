/**
 * Log, ReduceMax, GreaterOrEqual and LessOrEqual as native FP32 fallback ops
 * (native/src/fallback/log.cc, reduce_max.cc, equal.cc): the openWakeWord audio models
 * (oww-melspectrogram, oww-hey-jarvis) need them and `compile` refused them before. The native
 * runtime must match the TypeScript integer reference bit for bit (INT8 and INT7), including
 * Log of zeros and negatives, NaN / -Infinity through ReduceMax, keepdims 0 / 1, negative axes,
 * axes as attribute (opset 17) or input (opset 18) and broadcasting comparisons.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, logReduceModel, quantize, randomInputs, runReference } from '../helpers/native-models.js';

const X_DIMS = [1, 3, 8, 8];

describe('Log / ReduceMax / GreaterOrEqual / LessOrEqual on the native runtime', () => {
  beforeAll(() => {
    if (!process.env.EQ_NATIVE_ADDON) ensureNativeAddon();
  }, BUILD_TIMEOUT_MS);

  for (const opset of [17, 18] as const) {
    for (const bits of [8, 7]) {
      it(`opset ${opset}, INT${bits}: every output bit for bit with the integer reference`, async () => {
        const q = await quantize(loadModelBytes(logReduceModel(opset), 'log-reduce.onnx'), randomInputs(X_DIMS, 3, 5, 1.5), bits);
        const floatOps = new Set(q.prog.ops.flatMap((o) => (o.kind === 'float' ? [o.node.op] : [])));
        for (const op of ['Log', 'ReduceMax', 'GreaterOrEqual', 'LessOrEqual']) expect(floatOps).toContain(op);
        const session = Runtime.load(compileIntProgram(q.graph, q.prog));
        const nOut = opset >= 18 ? 9 : 8;
        let nan = 0,
          negInf = 0,
          ge = 0,
          le = 0;
        for (const x of randomInputs(X_DIMS, 3, 60 + bits + opset, 2)) {
          const ref = runReference(q, x, X_DIMS);
          const nat = session.run(x, X_DIMS);
          expect(nat.length).toBe(nOut);
          ref.outputs.forEach((want, k) => {
            expect(nat[k]!.length, `output ${q.prog.outputs[k]} size`).toBe(want.length);
            const d = firstBitDifference(want as Float32Array, nat[k]!);
            expect(d, `output ${q.prog.outputs[k]} differs at ${d}`).toBe(-1);
          });
          nan += nat[0]!.filter((v) => Number.isNaN(v)).length;
          negInf += nat[1]!.filter((v) => v === -Infinity).length;
          ge += nat[6]!.filter((v) => v === 1).length;
          le += nat[7]!.filter((v) => v === 1).length;
          expect(nat[4]!.some((v) => Number.isNaN(v))).toBe(true); // NaN wins in ReduceMax
        }
        // the edge cases really occur, and the comparisons are neither all true nor all false
        expect(nan).toBeGreaterThan(0);
        expect(negInf).toBeGreaterThan(0);
        expect(ge).toBeGreaterThan(0);
        expect(ge).toBeLessThan(3 * 4 * 64);
        expect(le).toBeGreaterThan(0);
        expect(le).toBeLessThan(3 * 4 * 64);
      });
    }
  }
});
