/** HardSwish (opset 14-25): y = x * max(0, min(1, x / 6 + 0.5)). */
import { unaryOp } from './unary.js';
import { LATEST_OPSET } from './util.js';

export const HardSwish = unaryOp('HardSwish', 14, LATEST_OPSET, (x, y) => {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const h = v / 6 + 0.5;
    y[i] = v * (h < 0 ? 0 : h > 1 ? 1 : h);
  }
});
