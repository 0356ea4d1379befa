/**
 * BatchNormalization (opset 1-25), inference mode: y = (x - mean) / sqrt(var + epsilon) * scale + B
 * per channel (axis 1), epsilon default 1e-5. training_mode=1 (opset >= 14) is rejected.
 * Extra outputs (old opsets list running/saved statistics) receive copies of mean and var.
 */
import type { Node } from '../graph/ir.js';
import { attrFloat, attrInt } from '../graph/ir.js';
import type { OpContext, OpDef } from './types.js';
import { fail, float, LATEST_OPSET, reqFloat, reqShape, shapeStr, unsupported } from './util.js';

function check(node: Node, x: readonly number[], params: readonly (readonly number[] | undefined)[], ctx: OpContext): number {
  if (x.length < 2) fail(node, `input must have rank >= 2, got ${shapeStr(x)}`);
  if (ctx.opset >= 14 && attrInt(node, 'training_mode', 0) !== 0) unsupported(node, ctx, 'training_mode=1');
  const C = x[1]!;
  const names = ['scale', 'B', 'mean', 'var'];
  params.forEach((p, i) => {
    if (p && p.reduce((a, b) => a * b, 1) !== C) {
      fail(node, `${names[i]} ${shapeStr(p)} does not match ${C} channels of input ${shapeStr(x)}`);
    }
  });
  return C;
}

export const BatchNormalization: OpDef = {
  op: 'BatchNormalization',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const X = reqFloat(node, inputs, 0, 'X');
    const sc = reqFloat(node, inputs, 1, 'scale');
    const b = reqFloat(node, inputs, 2, 'B');
    const mean = reqFloat(node, inputs, 3, 'mean');
    const v = reqFloat(node, inputs, 4, 'var');
    const C = check(node, X.dims, [sc.dims, b.dims, mean.dims, v.dims], ctx);
    const eps = attrFloat(node, 'epsilon', 1e-5);
    const N = X.dims[0]!;
    const S = N * C === 0 ? 0 : X.data.length / (N * C);
    const x = X.data;
    const y = new Float32Array(x.length);
    for (let c = 0; c < C; c++) {
      const a = sc.data[c]! / Math.sqrt(v.data[c]! + eps);
      const o = b.data[c]! - mean.data[c]! * a;
      for (let n = 0; n < N; n++) {
        const base = (n * C + c) * S;
        for (let i = 0; i < S; i++) y[base + i] = x[base + i]! * a + o;
      }
    }
    const out = [float(X.dims, y)];
    for (let i = 1; i < node.outputs.length; i++) {
      if (node.outputs[i] === '') continue;
      const src = i % 2 === 1 ? mean : v;
      out[i] = float(src.dims, src.data.slice());
    }
    return out;
  },
  inferShape(node, shapes, _consts, ctx) {
    const x = reqShape(node, shapes, 0, 'X');
    const C = check(node, x, [shapes[1], shapes[2], shapes[3], shapes[4]], ctx);
    const out = [[...x]];
    for (let i = 1; i < node.outputs.length; i++) out.push([C]);
    return out;
  },
};
