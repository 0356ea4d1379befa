/** Shape (opset 1-25): int64 1-D tensor of the input dims; start/end (opset >= 15) clamp like Python slicing. */
import type { Node } from '../graph/ir.js';
import { attrInt } from '../graph/ir.js';
import type { OpContext, OpDef } from './types.js';
import { LATEST_OPSET, makeTensor, req, reqShape } from './util.js';

/** The value Shape produces for an input of dims `dims`. */
export function sliceDims(node: Node, dims: readonly number[], ctx: OpContext): number[] {
  if (ctx.opset < 15) return [...dims];
  const r = dims.length;
  const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const s = clampIdx(attrInt(node, 'start', 0));
  const e = node.attrs['end'] === undefined ? r : clampIdx(attrInt(node, 'end', r));
  return dims.slice(s, Math.max(s, e));
}

export const Shape: OpDef = {
  op: 'Shape',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const x = req(node, inputs, 0, 'data');
    const d = sliceDims(node, x.dims, ctx);
    return [makeTensor('int64', [d.length], Float64Array.from(d))];
  },
  inferShape(node, shapes, _consts, ctx) {
    return [[sliceDims(node, reqShape(node, shapes, 0, 'data'), ctx).length]];
  },
};
