/** Sigmoid (opset 1-25): y = 1 / (1 + exp(-x)). */
import { unaryOp } from './unary.js';
import { LATEST_OPSET } from './util.js';

export const Sigmoid = unaryOp('Sigmoid', 1, LATEST_OPSET, (x, y) => {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    // split by sign so exp never overflows
    if (v >= 0) y[i] = 1 / (1 + Math.exp(-v));
    else {
      const e = Math.exp(v);
      y[i] = e / (1 + e);
    }
  }
});
