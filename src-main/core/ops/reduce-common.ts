/**
 * The reduction skeleton of ReduceMax / ReduceProd (opset 1-25): axes as ReduceMean takes them
 * (attribute before opset 18, input from 18), any numeric dtype, accumulated in float64.
 */
import { attrInt } from '../graph/ir.js';
import { numel } from '../graph/tensor.js';
import type { OpDef } from './types.js';
import { allocData, LATEST_OPSET, makeTensor, req, reqShape, stridesOf } from './util.js';
import { outShape, reduceAxes } from './reduce-mean.js';

/** A reduce op folding every value into `init` with `combine(acc, v)`. */
export function reduceOp(op: string, init: number, combine: (acc: number, v: number) => number): OpDef {
  return {
    op,
    minOpset: 1,
    maxOpset: LATEST_OPSET,
    run(node, inputs, ctx) {
      const x = req(node, inputs, 0, 'data');
      const axes = reduceAxes(node, x.dims.length, inputs, ctx, false);
      if (!axes) return [makeTensor(x.dtype, x.dims, x.data.slice())];
      const kept = outShape(x.dims, axes, true);
      const acc = new Float64Array(numel(kept)).fill(init);
      const ks = stridesOf(kept);
      const xs = stridesOf(x.dims);
      const r = x.dims.length;
      for (let p = 0; p < x.data.length; p++) {
        let o = 0;
        for (let d = 0; d < r; d++) if (!axes.includes(d)) o += (Math.floor(p / xs[d]!) % x.dims[d]!) * ks[d]!;
        acc[o] = combine(acc[o]!, Number(x.data[p]));
      }
      const y = allocData(x.dtype, acc.length);
      for (let i = 0; i < acc.length; i++) y[i] = acc[i]! as never;
      return [makeTensor(x.dtype, attrInt(node, 'keepdims', 1) !== 0 ? kept : outShape(x.dims, axes, false), y)];
    },
    inferShape(node, shapes, consts, ctx) {
      const x = reqShape(node, shapes, 0, 'data');
      const axes = reduceAxes(node, x.length, consts, ctx, true);
      if (!axes) return [[...x]];
      return [outShape(x, axes, attrInt(node, 'keepdims', 1) !== 0)];
    },
  };
}
