/** Neg (opset 1-25): float32, int64 and int32. */
import type { OpDef } from './types.js';
import { allocData, LATEST_OPSET, makeTensor, req, reqShape, fail } from './util.js';

export const Neg: OpDef = {
  op: 'Neg',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs) {
    const x = req(node, inputs, 0, 'X');
    if (x.dtype !== 'float32' && x.dtype !== 'int64' && x.dtype !== 'int32') fail(node, `unsupported input type ${x.dtype}`);
    const y = allocData(x.dtype, x.data.length);
    const xd = x.data;
    for (let i = 0; i < xd.length; i++) y[i] = -xd[i]!;
    return [makeTensor(x.dtype, x.dims, y)];
  },
  inferShape(node, shapes) {
    return [[...reqShape(node, shapes, 0, 'X')]];
  },
};
