/** Expand (opset 8-25): broadcast the input to a shape given by int64 input 1 (numpy rules). Any dtype. */
import type { Node } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import type { OpDef } from './types.js';
import { broadcastAll, broadcastMap } from './broadcast-map.js';
import { fail, ints, LATEST_OPSET, req, reqConst, reqShape, shapeStr } from './util.js';

function target(node: Node, shape: Tensor): number[] {
  if (shape.dims.length !== 1) fail(node, `shape input must be 1-D, got ${shapeStr(shape.dims)}`);
  return ints(shape);
}

export const Expand: OpDef = {
  op: 'Expand',
  minOpset: 8,
  maxOpset: LATEST_OPSET,
  run(node, inputs) {
    const x = req(node, inputs, 0, 'input');
    const s = target(node, req(node, inputs, 1, 'shape'));
    return [broadcastMap(node, [x], x.dtype, (v) => v[0]!, s)];
  },
  inferShape(node, shapes, consts) {
    return [broadcastAll(node, [reqShape(node, shapes, 0, 'input'), target(node, reqConst(node, consts, 1, 'shape'))])];
  },
};
