/**
 * HardSwish (opset 14-25): y = x * max(0, min(1, x / 6 + 0.5)), in onnxruntime's float32
 * arithmetic (its function body HardSigmoid(alpha = float32(1/6), beta = 0.5) · x): the product
 * alpha · x, the sum and the final product are each rounded to float32.
 */
import { unaryOp } from './unary.js';
import { LATEST_OPSET } from './util.js';

const f32 = Math.fround;
const ALPHA = f32(1 / 6);

export const HardSwish = unaryOp('HardSwish', 14, LATEST_OPSET, (x, y) => {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const h = f32(f32(ALPHA * v) + 0.5);
    y[i] = v * (h < 0 ? 0 : h > 1 ? 1 : h);
  }
});
