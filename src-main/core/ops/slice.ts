/**
 * Slice: opset 1-9 read attributes starts/ends/axes; opset 10-25 read inputs starts, ends
 * and optional axes, steps (int64 or int32). Starts/ends are clamped as the spec says,
 * including negative steps and INT64_MAX/INT64_MIN sentinels. Any dtype.
 */
import type { Node } from '../graph/ir.js';
import { attrInts } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import type { OpContext, OpDef } from './types.js';
import { allocData, fail, hasInput, ints, LATEST_OPSET, makeTensor, normAxis, req, reqShape, shapeStr, stridesOf } from './util.js';

interface SlicePlan {
  dims: number[];
  starts: number[];
  steps: number[];
}

interface SliceArgs {
  starts: number[];
  ends: number[];
  axes?: number[];
  steps?: number[];
}

function args(node: Node, src: readonly (Tensor | undefined)[], ctx: OpContext, what: 'input' | 'constant input'): SliceArgs {
  if (ctx.opset < 10) {
    if (node.attrs['starts'] === undefined || node.attrs['ends'] === undefined) fail(node, 'attributes starts and ends are required before opset 10');
    const axes = node.attrs['axes'] !== undefined ? attrInts(node, 'axes', []) : undefined;
    return { starts: attrInts(node, 'starts', []), ends: attrInts(node, 'ends', []), axes };
  }
  const get = (i: number, name: string, optional: boolean): number[] | undefined => {
    if (optional && !hasInput(node, src, i)) {
      if (i < node.inputs.length && node.inputs[i] !== '' && what === 'constant input') fail(node, `input ${i} (${name}) must be a constant to infer the output shape`);
      return undefined;
    }
    const t = src[i];
    if (!t) fail(node, `${what} ${i} (${name}) is missing`);
    if (t.dims.length !== 1) fail(node, `${name} must be 1-D, got ${shapeStr(t.dims)}`);
    return ints(t);
  };
  return { starts: get(1, 'starts', false)!, ends: get(2, 'ends', false)!, axes: get(3, 'axes', true), steps: get(4, 'steps', true) };
}

function plan(node: Node, dims: readonly number[], a: SliceArgs): SlicePlan {
  const r = dims.length;
  const n = a.starts.length;
  if (a.ends.length !== n) fail(node, `starts (${n}) and ends (${a.ends.length}) differ in length`);
  const axes = a.axes ?? Array.from({ length: n }, (_, i) => i);
  const steps = a.steps ?? new Array<number>(n).fill(1);
  if (axes.length !== n || steps.length !== n) fail(node, `starts, ends, axes and steps must have the same length`);
  const out = [...dims];
  const st = new Array<number>(r).fill(0);
  const sp = new Array<number>(r).fill(1);
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const ax = normAxis(node, axes[i]!, r, 'axes value');
    if (seen.has(ax)) fail(node, `axis ${ax} is repeated in axes`);
    seen.add(ax);
    const d = dims[ax]!;
    const step = steps[i]!;
    if (step === 0) fail(node, 'steps must not be 0');
    let s = a.starts[i]!;
    let e = a.ends[i]!;
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    const len = Math.max(0, Math.ceil((e - s) / step));
    out[ax] = len;
    st[ax] = s;
    sp[ax] = step;
  }
  return { dims: out, starts: st, steps: sp };
}

export const Slice: OpDef = {
  op: 'Slice',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const x = req(node, inputs, 0, 'data');
    const p = plan(node, x.dims, args(node, inputs, ctx, 'input'));
    const r = x.dims.length;
    const n = p.dims.reduce((a, b) => a * b, 1);
    const y = allocData(x.dtype, n);
    if (n === 0 || r === 0) {
      if (r === 0) y[0] = x.data[0]!;
      return [makeTensor(x.dtype, p.dims, y)];
    }
    const xs = stridesOf(x.dims);
    const step = p.dims.map((_, i) => xs[i]! * p.steps[i]!);
    let off = 0;
    for (let i = 0; i < r; i++) off += p.starts[i]! * xs[i]!;
    const inner = p.dims[r - 1]!;
    const is = step[r - 1]!;
    const idx = new Array<number>(r).fill(0);
    const xd = x.data;
    for (let o = 0; o < n; o += inner) {
      for (let i = 0, s = off; i < inner; i++, s += is) y[o + i] = xd[s]!;
      for (let d = r - 2; d >= 0; d--) {
        idx[d]!++;
        off += step[d]!;
        if (idx[d]! < p.dims[d]!) break;
        off -= step[d]! * p.dims[d]!;
        idx[d] = 0;
      }
    }
    return [makeTensor(x.dtype, p.dims, y)];
  },
  inferShape(node, shapes, consts, ctx) {
    const x = reqShape(node, shapes, 0, 'data');
    return [plan(node, x, args(node, consts, ctx, 'constant input')).dims];
  },
};
