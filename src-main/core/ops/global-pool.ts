/** Shared body of GlobalAveragePool / GlobalMaxPool: reduce all spatial axes of [N,C,...]. */
import type { OpDef } from './types.js';
import { fail, float, reqFloat, reqShape, shapeStr } from './util.js';

export function globalPool(op: string, minOpset: number, maxOpset: number, kind: 'avg' | 'max'): OpDef {
  const outShape = (node: Parameters<OpDef['run']>[0], x: readonly number[]) => {
    if (x.length < 3) fail(node, `input must have rank >= 3 (N,C,spatial...), got ${shapeStr(x)}`);
    return [x[0]!, x[1]!, ...new Array<number>(x.length - 2).fill(1)];
  };
  return {
    op,
    minOpset,
    maxOpset,
    run(node, inputs) {
      const X = reqFloat(node, inputs, 0, 'X');
      const dims = outShape(node, X.dims);
      const planes = dims[0]! * dims[1]!;
      const S = planes === 0 ? 0 : X.data.length / planes;
      const x = X.data;
      const y = new Float32Array(planes);
      for (let p = 0; p < planes; p++) {
        const o = p * S;
        if (kind === 'avg') {
          let s = 0;
          for (let i = 0; i < S; i++) s += x[o + i]!;
          y[p] = s / S;
        } else {
          let m = -Infinity;
          for (let i = 0; i < S; i++) {
            const v = x[o + i]!;
            if (v > m || v !== v) m = v;
            if (m !== m) break;
          }
          y[p] = m;
        }
      }
      return [float(dims, y)];
    },
    inferShape(node, shapes) {
      return [outShape(node, reqShape(node, shapes, 0, 'X'))];
    },
  };
}
