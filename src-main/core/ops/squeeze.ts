/**
 * Squeeze: axes from the attribute (opset 1-12) or the optional int64 input 1 (opset 13-25);
 * without axes every dimension of size 1 is removed. Any dtype.
 */
import type { Node } from '../graph/ir.js';
import { attrInts } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import type { OpContext, OpDef } from './types.js';
import { fail, hasInput, ints, LATEST_OPSET, normAxis, req, reqShape, reshaped, shapeStr } from './util.js';

export function axesArg(node: Node, src: readonly (Tensor | undefined)[], ctx: OpContext, fromOpset: number, forShape: boolean): number[] | undefined {
  if (ctx.opset < fromOpset) return node.attrs['axes'] !== undefined ? attrInts(node, 'axes', []) : undefined;
  if (!hasInput(node, src, 1)) {
    if (forShape && node.inputs.length > 1 && node.inputs[1] !== '') fail(node, 'input 1 (axes) must be a constant to infer the output shape');
    return undefined;
  }
  return ints(src[1]!);
}

function outShape(node: Node, x: readonly number[], axes: number[] | undefined): number[] {
  if (!axes || axes.length === 0) return x.filter((d) => d !== 1);
  const drop = new Set<number>();
  for (const a of axes) {
    const ax = normAxis(node, a, x.length, 'axes value');
    if (x[ax] !== 1) fail(node, `cannot squeeze axis ${a} of size ${x[ax]} (input ${shapeStr(x)})`);
    drop.add(ax);
  }
  return x.filter((_, i) => !drop.has(i));
}

export const Squeeze: OpDef = {
  op: 'Squeeze',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const x = req(node, inputs, 0, 'data');
    return [reshaped(x, outShape(node, x.dims, axesArg(node, inputs, ctx, 13, false)))];
  },
  inferShape(node, shapes, consts, ctx) {
    return [outShape(node, reqShape(node, shapes, 0, 'data'), axesArg(node, consts, ctx, 13, true))];
  },
};
