/** Floor (opset 1-25). */
import { unaryOp } from './unary.js';
import { LATEST_OPSET } from './util.js';

export const Floor = unaryOp('Floor', 1, LATEST_OPSET, (x, y) => {
  for (let i = 0; i < x.length; i++) y[i] = Math.floor(x[i]!);
});
