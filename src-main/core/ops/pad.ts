/**
 * Pad, modes constant / reflect / edge (and wrap, opset >= 19). Pads come from attribute
 * `paddings` (opset 1), attribute `pads` (opset 2-10) or input 1 (opset 11-25, with
 * optional constant_value input 2 and axes input 3 from opset 18). Negative pads crop.
 * Any dtype for constant/edge/reflect/wrap.
 */
import type { Node } from '../graph/ir.js';
import { attrFloat, attrInts, attrString } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import type { OpContext, OpDef } from './types.js';
import { allocData, fail, hasInput, ints, LATEST_OPSET, makeTensor, normAxis, req, reqShape, shapeStr, unsupported } from './util.js';

function padsOf(node: Node, rank: number, src: readonly (Tensor | undefined)[], ctx: OpContext, forShape: boolean): number[] {
  let pads: number[];
  let axes: number[] | undefined;
  if (ctx.opset < 11) {
    const name = ctx.opset < 2 ? 'paddings' : 'pads';
    if (node.attrs[name] === undefined) fail(node, `attribute ${name} is required`);
    pads = attrInts(node, name, []);
  } else {
    const t = src[1];
    if (!t) fail(node, forShape ? 'input 1 (pads) must be a constant to infer the output shape' : 'input 1 (pads) is missing');
    pads = ints(t);
    if (ctx.opset >= 18 && node.inputs.length > 3 && node.inputs[3] !== '') {
      const a = src[3];
      if (!a) fail(node, forShape ? 'input 3 (axes) must be a constant to infer the output shape' : 'input 3 (axes) is missing');
      axes = ints(a).map((v) => normAxis(node, v, rank, 'axes value'));
    }
  }
  const ax = axes ?? Array.from({ length: rank }, (_, i) => i);
  if (pads.length !== 2 * ax.length) fail(node, `pads has ${pads.length} values, expected ${2 * ax.length}`);
  const full = new Array<number>(2 * rank).fill(0);
  ax.forEach((a, i) => {
    full[a] = pads[i]!;
    full[a + rank] = pads[i + ax.length]!;
  });
  return full;
}

function outShape(node: Node, x: readonly number[], pads: readonly number[]): number[] {
  const r = x.length;
  return x.map((d, i) => {
    const o = d + pads[i]! + pads[i + r]!;
    if (o < 0) fail(node, `pads [${pads.join(',')}] crop more than axis ${i} of ${shapeStr(x)} holds`);
    return o;
  });
}

export const Pad: OpDef = {
  op: 'Pad',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const x = req(node, inputs, 0, 'data');
    const r = x.dims.length;
    const pads = padsOf(node, r, inputs, ctx, false);
    const mode = attrString(node, 'mode', 'constant');
    if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge' && mode !== 'wrap') fail(node, `unknown mode '${mode}'`);
    if (mode === 'wrap' && ctx.opset < 19) unsupported(node, ctx, 'mode wrap needs opset 19');
    let value = 0;
    if (ctx.opset < 11) value = attrFloat(node, 'value', 0);
    else if (hasInput(node, inputs, 2)) {
      const v = inputs[2]!;
      if (v.data.length > 1) fail(node, 'constant_value must be a scalar');
      if (v.data.length === 1) value = Number(v.data[0]);
    }
    const out = outShape(node, x.dims, pads);
    const n = out.reduce((a, b) => a * b, 1);
    const y = allocData(x.dtype, n);
    if (n === 0) return [makeTensor(x.dtype, out, y)];
    if (mode !== 'constant' && x.data.length === 0) fail(node, `mode ${mode} needs a non-empty input`);
    // per axis: output index -> input index, or -1 for the constant
    const maps = out.map((o, ax) => {
      const d = x.dims[ax]!;
      const m = new Int32Array(o);
      for (let i = 0; i < o; i++) {
        let k = i - pads[ax]!;
        if (k < 0 || k >= d) {
          if (mode === 'constant') k = -1;
          else if (mode === 'edge') k = k < 0 ? 0 : d - 1;
          else if (mode === 'wrap') k = ((k % d) + d) % d;
          else {
            if (d === 1) k = 0;
            else {
              const period = 2 * (d - 1);
              k = ((k % period) + period) % period;
              if (k >= d) k = period - k;
            }
          }
        }
        m[i] = k;
      }
      return m;
    });
    const xs = new Array<number>(r);
    let acc = 1;
    for (let i = r - 1; i >= 0; i--) {
      xs[i] = acc;
      acc *= x.dims[i]!;
    }
    const xd = x.data;
    if (r === 0) {
      y[0] = xd[0]!;
      return [makeTensor(x.dtype, out, y)];
    }
    const inner = out[r - 1]!;
    const lastMap = maps[r - 1]!;
    const idx = new Array<number>(r).fill(0);
    for (let o = 0; o < n; o += inner) {
      let base = 0;
      let outside = false;
      for (let d = 0; d < r - 1; d++) {
        const k = maps[d]![idx[d]!]!;
        if (k < 0) {
          outside = true;
          break;
        }
        base += k * xs[d]!;
      }
      if (outside) y.fill(value, o, o + inner);
      else {
        for (let i = 0; i < inner; i++) {
          const k = lastMap[i]!;
          y[o + i] = k < 0 ? value : xd[base + k]!;
        }
      }
      for (let d = r - 2; d >= 0; d--) {
        idx[d]!++;
        if (idx[d]! < out[d]!) break;
        idx[d] = 0;
      }
    }
    return [makeTensor(x.dtype, out, y)];
  },
  inferShape(node, shapes, consts, ctx) {
    const x = reqShape(node, shapes, 0, 'data');
    return [outShape(node, x, padsOf(node, x.length, consts, ctx, true))];
  },
};
