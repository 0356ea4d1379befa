/**
 * Flatten (opset 1-25): [d0..d(axis-1), d(axis)..] -> [prod(before), prod(after)];
 * axis default 1, in [0, rank] (negative from opset 11). Any dtype.
 */
import type { Node } from '../graph/ir.js';
import { attrInt } from '../graph/ir.js';
import type { OpContext, OpDef } from './types.js';
import { fail, LATEST_OPSET, req, reqShape, reshaped } from './util.js';

function outShape(node: Node, x: readonly number[], ctx: OpContext): number[] {
  const r = x.length;
  let axis = attrInt(node, 'axis', 1);
  const minAxis = ctx.opset >= 11 ? -r : 0;
  if (axis < minAxis || axis > r) fail(node, `axis ${axis} is out of range for rank ${r}`);
  if (axis < 0) axis += r;
  let a = 1;
  for (let i = 0; i < axis; i++) a *= x[i]!;
  let b = 1;
  for (let i = axis; i < r; i++) b *= x[i]!;
  return [a, b];
}

export const Flatten: OpDef = {
  op: 'Flatten',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const x = req(node, inputs, 0, 'input');
    return [reshaped(x, outShape(node, x.dims, ctx))];
  },
  inferShape(node, shapes, _consts, ctx) {
    return [outShape(node, reqShape(node, shapes, 0, 'input'), ctx)];
  },
};
