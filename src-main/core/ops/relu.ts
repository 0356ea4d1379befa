/** Relu (opset 1-25): y = max(0, x). */
import { unaryOp } from './unary.js';
import { LATEST_OPSET } from './util.js';

export const Relu = unaryOp('Relu', 1, LATEST_OPSET, (x, y) => {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = v > 0 ? v : v === v ? 0 : v; // keeps NaN
  }
});
