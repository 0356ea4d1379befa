/** Sqrt (opset 1-25): NaN for negative inputs. */
import { unaryOp } from './unary.js';
import { LATEST_OPSET } from './util.js';

export const Sqrt = unaryOp('Sqrt', 1, LATEST_OPSET, (x, y) => {
  for (let i = 0; i < x.length; i++) y[i] = Math.sqrt(x[i]!);
});
