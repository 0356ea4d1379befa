/** Identity (opset 1-25): a copy of the input (outputs never alias inputs). */
import type { OpDef } from './types.js';
import { LATEST_OPSET, req, reqShape, reshaped } from './util.js';

export const Identity: OpDef = {
  op: 'Identity',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs) {
    const x = req(node, inputs, 0, 'input');
    return [reshaped(x, x.dims)];
  },
  inferShape(node, shapes) {
    return [[...reqShape(node, shapes, 0, 'input')]];
  },
};
