/**
 * Clip: opset 1-10 bounds from attributes min/max (defaults: float32 lowest/highest);
 * opset 11-25 bounds from optional scalar inputs 1 (min) and 2 (max).
 */
import { attrFloat } from '../graph/ir.js';
import { unaryOp } from './unary.js';
import { fail, hasInput, LATEST_OPSET } from './util.js';

const F32_MAX = 3.4028234663852886e38;

export const Clip = unaryOp('Clip', 1, LATEST_OPSET, (x, y, node, inputs, ctx) => {
  let lo = -F32_MAX;
  let hi = F32_MAX;
  if (ctx.opset < 11) {
    lo = attrFloat(node, 'min', -F32_MAX);
    hi = attrFloat(node, 'max', F32_MAX);
  } else {
    for (const [i, what] of [
      [1, 'min'],
      [2, 'max'],
    ] as const) {
      if (!hasInput(node, inputs, i)) continue;
      const t = inputs[i]!;
      if (t.data.length !== 1) fail(node, `input ${what} must be a scalar, got ${t.data.length} values`);
      const v = Number(t.data[0]);
      if (i === 1) lo = v;
      else hi = v;
    }
  }
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    // ONNX: min(max(x, lo), hi); when lo > hi every value becomes hi
    const a = v < lo ? lo : v;
    y[i] = a > hi ? hi : a;
  }
});
