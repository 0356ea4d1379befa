/** LeakyRelu (opset 1-25): y = x >= 0 ? x : alpha * x, alpha default 0.01. */
import { attrFloat } from '../graph/ir.js';
import { unaryOp } from './unary.js';
import { LATEST_OPSET } from './util.js';

export const LeakyRelu = unaryOp('LeakyRelu', 1, LATEST_OPSET, (x, y, node) => {
  // ONNX attributes are float32: the default is float32(0.01), as in onnxruntime
  const alpha = attrFloat(node, 'alpha', Math.fround(0.01));
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = v >= 0 ? v : alpha * v;
  }
});
