/**
 * ReduceMean: axes from the attribute (opset 1-17) or the optional input 1 (opset 18-25,
 * with noop_with_empty_axes); no axes reduces everything. keepdims default 1.
 * Sums are float64, rounded once.
 */
import type { Node } from '../graph/ir.js';
import { attrInt, attrInts } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import type { OpContext, OpDef } from './types.js';
import { fail, float, hasInput, ints, LATEST_OPSET, normAxis, reqFloat, reqShape, stridesOf } from './util.js';

export function reduceAxes(node: Node, rank: number, src: readonly (Tensor | undefined)[], ctx: OpContext, forShape: boolean): number[] | null {
  let axes: number[] | undefined;
  if (ctx.opset < 18) {
    if (node.attrs['axes'] !== undefined) axes = attrInts(node, 'axes', []);
  } else if (hasInput(node, src, 1)) {
    axes = ints(src[1]!);
  } else if (forShape && node.inputs.length > 1 && node.inputs[1] !== '') {
    fail(node, 'input 1 (axes) must be a constant to infer the output shape');
  }
  if (!axes || axes.length === 0) {
    if (ctx.opset >= 18 && attrInt(node, 'noop_with_empty_axes', 0) !== 0) return null;
    return Array.from({ length: rank }, (_, i) => i);
  }
  return [...new Set(axes.map((a) => normAxis(node, a, rank, 'axes value')))];
}

export function outShape(x: readonly number[], axes: number[], keep: boolean): number[] {
  const out: number[] = [];
  x.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keep) out.push(1);
  });
  return out;
}

export const ReduceMean: OpDef = {
  op: 'ReduceMean',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const X = reqFloat(node, inputs, 0, 'data');
    const r = X.dims.length;
    const axes = reduceAxes(node, r, inputs, ctx, false);
    if (!axes) return [float(X.dims, X.data.slice())];
    const keep = attrInt(node, 'keepdims', 1) !== 0;
    const kept = outShape(X.dims, axes, true);
    const n = kept.reduce((a, b) => a * b, 1);
    const sum = new Float64Array(n);
    const ks = stridesOf(kept);
    const os = X.dims.map((_, i) => (axes.includes(i) ? 0 : ks[i]!));
    const x = X.data;
    const cnt = n === 0 ? 0 : x.length / n;
    if (x.length > 0 && r > 0) {
      const inner = X.dims[r - 1]!;
      const is = os[r - 1]!;
      const idx = new Array<number>(r).fill(0);
      let off = 0;
      for (let p = 0; p < x.length; p += inner) {
        for (let i = 0, o = off; i < inner; i++, o += is) sum[o]! += x[p + i]!;
        for (let d = r - 2; d >= 0; d--) {
          idx[d]!++;
          off += os[d]!;
          if (idx[d]! < X.dims[d]!) break;
          off -= os[d]! * X.dims[d]!;
          idx[d] = 0;
        }
      }
    } else if (r === 0) sum[0] = x[0]!;
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) y[i] = cnt > 0 ? sum[i]! / cnt : NaN;
    return [float(keep ? kept : outShape(X.dims, axes, false), y)];
  },
  inferShape(node, shapes, consts, ctx) {
    const x = reqShape(node, shapes, 0, 'data');
    const axes = reduceAxes(node, x.length, consts, ctx, true);
    if (!axes) return [[...x]];
    return [outShape(x, axes, attrInt(node, 'keepdims', 1) !== 0)];
  },
};
