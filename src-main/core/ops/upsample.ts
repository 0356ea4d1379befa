/**
 * Upsample (opset 7-9; deprecated by Resize at 10): scales from the attribute (7-8) or input 1
 * (9); modes nearest (default) and linear/bilinear, asymmetric coordinates, output
 * floor(input * scale). Nearest picks floor(x / scale), as onnxruntime does.
 */
import type { Node } from '../graph/ir.js';
import { attrString } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import type { OpContext, OpDef } from './types.js';
import { interpolate } from './resize-common.js';
import { fail, float, reqFloat, reqShape } from './util.js';

const f = Math.fround;

function scalesOf(node: Node, rank: number, src: readonly (Tensor | undefined)[], ctx: OpContext, forShape: boolean): number[] {
  let s: number[];
  if (ctx.opset < 9) {
    const a = node.attrs['scales'];
    if (!Array.isArray(a)) fail(node, 'attribute scales is required');
    s = (a as number[]).map((v) => f(v));
  } else {
    const t = src[1];
    if (!t) fail(node, forShape ? 'input 1 (scales) must be a constant to infer the output shape' : 'input 1 (scales) is missing');
    s = Array.from(t.data as ArrayLike<number>, (v) => f(Number(v)));
  }
  if (s.length !== rank) fail(node, `scales has ${s.length} values for rank ${rank}`);
  if (s.some((v) => !(v >= 1))) fail(node, `scales [${s.join(',')}] must all be >= 1`);
  return s;
}

function mode(node: Node): 'nearest' | 'linear' {
  const m = attrString(node, 'mode', 'nearest');
  if (m === 'nearest') return 'nearest';
  if (m === 'linear' || m === 'bilinear') return 'linear';
  return fail(node, `unknown mode '${m}'`);
}

export const Upsample: OpDef = {
  op: 'Upsample',
  minOpset: 7,
  maxOpset: 9,
  run(node, inputs, ctx) {
    const X = reqFloat(node, inputs, 0, 'X');
    const scales = scalesOf(node, X.dims.length, inputs, ctx, false);
    const out = X.dims.map((d, i) => Math.floor(f(scales[i]! * d)));
    const y = interpolate(node, X.data, X.dims, out, scales, [], {
      mode: mode(node),
      coord: 'asymmetric',
      nearest: 'simple',
      cubicA: -0.75,
      excludeOutside: false,
      extrapolation: 0,
    });
    return [float(out, y)];
  },
  inferShape(node, shapes, consts, ctx) {
    const x = reqShape(node, shapes, 0, 'X');
    const scales = scalesOf(node, x.length, consts, ctx, true);
    mode(node);
    return [x.map((d, i) => Math.floor(f(scales[i]! * d)))];
  },
};
