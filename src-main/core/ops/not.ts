/** Not (opset 1-25): logical negation of a bool tensor. */
import type { OpDef } from './types.js';
import { fail, LATEST_OPSET, makeTensor, req, reqShape } from './util.js';

export const Not: OpDef = {
  op: 'Not',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs) {
    const x = req(node, inputs, 0, 'X');
    if (x.dtype !== 'bool') fail(node, `input must be bool, got ${x.dtype}`);
    const y = new Uint8Array(x.data.length);
    for (let i = 0; i < y.length; i++) y[i] = x.data[i] ? 0 : 1;
    return [makeTensor('bool', x.dims, y)];
  },
  inferShape(node, shapes) {
    return [[...reqShape(node, shapes, 0, 'X')]];
  },
};
