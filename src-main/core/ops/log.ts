/** Log (opset 6-25): natural logarithm; log(0) = -Infinity, log(x<0) = NaN as in onnxruntime. */
import { unaryOp } from './unary.js';
import { LATEST_OPSET } from './util.js';

export const Log = unaryOp('Log', 6, LATEST_OPSET, (x, y) => {
  for (let i = 0; i < x.length; i++) y[i] = Math.log(x[i]!);
});
