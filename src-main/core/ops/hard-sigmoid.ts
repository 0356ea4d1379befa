/**
 * HardSigmoid (opset 1-25): y = max(0, min(1, alpha * x + beta)), alpha 0.2, beta 0.5, in
 * onnxruntime's float32 arithmetic: alpha, beta, the product and the sum rounded to float32.
 */
import { attrFloat } from '../graph/ir.js';
import { unaryOp } from './unary.js';
import { LATEST_OPSET } from './util.js';

const f32 = Math.fround;

export const HardSigmoid = unaryOp('HardSigmoid', 1, LATEST_OPSET, (x, y, node) => {
  const alpha = f32(attrFloat(node, 'alpha', 0.2));
  const beta = f32(attrFloat(node, 'beta', 0.5));
  for (let i = 0; i < x.length; i++) {
    const v = f32(f32(alpha * x[i]!) + beta);
    y[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
});
