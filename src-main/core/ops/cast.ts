/**
 * Cast (opset 1-25; `to` is a type-name string before opset 6). Targets: FLOAT, DOUBLE and
 * FLOAT16 (all held as float32 in this executor, like the tensor codec does), INT64, INT32,
 * INT8, UINT8 and BOOL. Float to integer truncates toward zero; NaN becomes 0.
 */
import type { Node } from '../graph/ir.js';
import type { DType } from '../graph/tensor.js';
import type { OpContext, OpDef } from './types.js';
import { allocData, fail, LATEST_OPSET, makeTensor, req, reqShape, unsupported } from './util.js';

const BY_CODE: Record<number, DType> = { 1: 'float32', 10: 'float32', 11: 'float32', 7: 'int64', 6: 'int32', 3: 'int8', 2: 'uint8', 9: 'bool' };
const BY_NAME: Record<string, DType> = { FLOAT: 'float32', FLOAT16: 'float32', DOUBLE: 'float32', INT64: 'int64', INT32: 'int32', INT8: 'int8', UINT8: 'uint8', BOOL: 'bool' };

function target(node: Node, ctx: OpContext): DType {
  const to = node.attrs['to'];
  if (to === undefined) fail(node, 'attribute to is required');
  const t = typeof to === 'number' ? BY_CODE[to] : typeof to === 'string' ? BY_NAME[to.toUpperCase()] : undefined;
  if (!t) unsupported(node, ctx, `cast to type ${String(to)}`);
  return t;
}

export const Cast: OpDef = {
  op: 'Cast',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const x = req(node, inputs, 0, 'input');
    const to = target(node, ctx);
    const n = x.data.length;
    const y = allocData(to, n);
    const xd = x.data;
    if (to === 'float32' || x.dtype === to) {
      for (let i = 0; i < n; i++) y[i] = xd[i]!;
    } else if (to === 'bool') {
      for (let i = 0; i < n; i++) y[i] = xd[i] !== 0 ? 1 : 0;
    } else {
      // integer targets: truncate; typed arrays wrap int32/int8/uint8 like a C cast of an in-range value
      for (let i = 0; i < n; i++) {
        const v = Math.trunc(xd[i]!);
        y[i] = v === v ? v : 0;
      }
    }
    return [makeTensor(to, x.dims, y)];
  },
  inferShape(node, shapes) {
    return [[...reqShape(node, shapes, 0, 'input')]];
  },
};
