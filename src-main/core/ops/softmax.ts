/**
 * Softmax. Opset 1-12: the input is coerced to 2-D at `axis` (default 1) and softmax runs
 * over the flattened inner block. Opset 13-25: softmax along `axis` (default -1).
 * Max-subtracted, float64 exp and sum, rounded once.
 */
import type { Node } from '../graph/ir.js';
import { attrInt } from '../graph/ir.js';
import type { OpContext, OpDef } from './types.js';
import { fail, float, LATEST_OPSET, reqFloat, reqShape } from './util.js';

function layout(node: Node, dims: readonly number[], ctx: OpContext): { outer: number; len: number; inner: number } {
  const r = dims.length;
  if (r === 0) fail(node, 'input must have rank >= 1');
  const legacy = ctx.opset < 13;
  let axis = attrInt(node, 'axis', legacy ? 1 : -1);
  if (axis < -r || axis >= r) fail(node, `axis ${axis} is out of range for rank ${r}`);
  if (axis < 0) axis += r;
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= dims[i]!;
  if (legacy) {
    let len = 1;
    for (let i = axis; i < r; i++) len *= dims[i]!;
    return { outer, len, inner: 1 };
  }
  let inner = 1;
  for (let i = axis + 1; i < r; i++) inner *= dims[i]!;
  return { outer, len: dims[axis]!, inner };
}

export const Softmax: OpDef = {
  op: 'Softmax',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const X = reqFloat(node, inputs, 0, 'input');
    const { outer, len, inner } = layout(node, X.dims, ctx);
    const x = X.data;
    const y = new Float32Array(x.length);
    const e = new Float64Array(len);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let m = -Infinity;
        for (let k = 0, p = base; k < len; k++, p += inner) if (x[p]! > m) m = x[p]!;
        let s = 0;
        for (let k = 0, p = base; k < len; k++, p += inner) {
          const v = Math.exp(x[p]! - m);
          e[k] = v;
          s += v;
        }
        for (let k = 0, p = base; k < len; k++, p += inner) y[p] = e[k]! / s;
      }
    }
    return [float(X.dims, y)];
  },
  inferShape(node, shapes, _consts, ctx) {
    const x = reqShape(node, shapes, 0, 'input');
    layout(node, x, ctx);
    return [[...x]];
  },
};
