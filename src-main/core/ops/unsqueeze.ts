/**
 * Unsqueeze: axes (required) from the attribute (opset 1-12) or input 1 (opset 13-25),
 * relative to the output rank; negative from opset 11. Any dtype.
 */
import type { Node } from '../graph/ir.js';
import type { OpDef } from './types.js';
import { axesArg } from './squeeze.js';
import { fail, LATEST_OPSET, normAxis, req, reqShape, reshaped } from './util.js';

function outShape(node: Node, x: readonly number[], axes: number[] | undefined): number[] {
  if (!axes) fail(node, 'axes are required');
  const r = x.length + axes.length;
  const ins = new Set<number>();
  for (const a of axes) {
    const ax = normAxis(node, a, r, 'axes value');
    if (ins.has(ax)) fail(node, `axis ${a} is repeated`);
    ins.add(ax);
  }
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < r; i++) out.push(ins.has(i) ? 1 : x[j++]!);
  return out;
}

export const Unsqueeze: OpDef = {
  op: 'Unsqueeze',
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
