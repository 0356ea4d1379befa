/**
 * ReduceMax (opset 1-25): axes as ReduceMean takes them (attribute before opset 18, input
 * from 18). Any numeric dtype; an empty reduction gives -Infinity (float) as onnxruntime.
 */
import { attrInt } from '../graph/ir.js';
import { numel } from '../graph/tensor.js';
import type { OpDef } from './types.js';
import { allocData, LATEST_OPSET, makeTensor, req, reqShape, stridesOf } from './util.js';
import { outShape, reduceAxes } from './reduce-mean.js';

export const ReduceMax: OpDef = {
  op: 'ReduceMax',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const x = req(node, inputs, 0, 'data');
    const axes = reduceAxes(node, x.dims.length, inputs, ctx, false);
    if (!axes) return [makeTensor(x.dtype, x.dims, x.data.slice())];
    const kept = outShape(x.dims, axes, true);
    const best = new Float64Array(numel(kept)).fill(-Infinity);
    const ks = stridesOf(kept);
    const xs = stridesOf(x.dims);
    const r = x.dims.length;
    for (let p = 0; p < x.data.length; p++) {
      let o = 0;
      for (let d = 0; d < r; d++) if (!axes.includes(d)) o += Math.floor(p / xs[d]!) % x.dims[d]! * ks[d]!;
      const v = Number(x.data[p]);
      if (v > best[o]! || Number.isNaN(v)) best[o] = v;
    }
    const y = allocData(x.dtype, best.length);
    for (let i = 0; i < best.length; i++) y[i] = best[i]! as never;
    return [makeTensor(x.dtype, attrInt(node, 'keepdims', 1) !== 0 ? kept : outShape(x.dims, axes, false), y)];
  },
  inferShape(node, shapes, consts, ctx) {
    const x = reqShape(node, shapes, 0, 'data');
    const axes = reduceAxes(node, x.length, consts, ctx, true);
    if (!axes) return [[...x]];
    return [outShape(x, axes, attrInt(node, 'keepdims', 1) !== 0)];
  },
};
