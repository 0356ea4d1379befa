/**
 * qresize: a nearest or linear Resize of the last two axes of int8 [N,C,H,W] data (same scale).
 * Per output row oy and column ox, with the tables (quant/int8-data-ops.ts; weights in
 * 1/2^11, w0 = 2^11 - w1):
 *   r(x) = wy0·q[y0][x] + wy1·q[y1][x]
 *   q'   = clip((wx0·r(x0) + wx1·r(x1) + 2^21) >> 22, -qmax, qmax)     (int32 throughout)
 * Nearest tables have w1 = 0, which makes it a copy.
 */
import { int8ResizeAxes, RESIZE_WBITS, type Int8ResizeAxis } from '../../quant/int8-data-ops.js';
import { typedBytes } from '../bytes.js';
import { clipQ, numel, pushRescaled } from './common.js';
import type { IntOpDef } from './types.js';

const ONE = 1 << RESIZE_WBITS;
const SHIFT = 2 * RESIZE_WBITS;
const HALF = 1 << (SHIFT - 1);

function tableBytes(h: Int8ResizeAxis, w: Int8ResizeAxis): Uint8Array {
  const t = new Int32Array(3 * (h.i0.length + w.i0.length));
  let k = 0;
  for (const a of [h, w]) for (const v of [a.i0, a.i1, a.w1]) t.set(v, (k += v.length) - v.length);
  return typedBytes(t);
}

function readAxis(t: Int32Array, at: number, len: number): Int8ResizeAxis {
  return { i0: t.slice(at, at + len), i1: t.slice(at + len, at + 2 * len), w1: t.slice(at + 2 * len, at + 3 * len) };
}

/** an error message when a table does not fit an input axis of inLen, else undefined */
function badAxis(a: Int8ResizeAxis, inLen: number): string | undefined {
  for (let i = 0; i < a.i0.length; i++) {
    if (a.i0[i]! < 0 || a.i0[i]! >= inLen || a.i1[i]! < 0 || a.i1[i]! >= inLen) return `tap ${i} reads outside the input (${inLen})`;
    if (a.w1[i]! < 0 || a.w1[i]! > ONE) return `weight ${a.w1[i]} of tap ${i} is outside [0, ${ONE}]`;
  }
  return undefined;
}

export function resizeInt8(x: Int8Array, dims: readonly number[], h: Int8ResizeAxis, w: Int8ResizeAxis, qmax: number): Int8Array {
  const [N, C, H, W] = dims as [number, number, number, number];
  const OH = h.i0.length;
  const OW = w.i0.length;
  const y = new Int8Array(N * C * OH * OW);
  for (let p = 0; p < N * C; p++) {
    const xp = p * H * W;
    for (let oy = 0; oy < OH; oy++) {
      const r0 = xp + h.i0[oy]! * W;
      const r1 = xp + h.i1[oy]! * W;
      const wy1 = h.w1[oy]!;
      const wy0 = ONE - wy1;
      const yo = (p * OH + oy) * OW;
      for (let ox = 0; ox < OW; ox++) {
        const a = w.i0[ox]!;
        const b = w.i1[ox]!;
        const wx1 = w.w1[ox]!;
        const ra = wy0 * x[r0 + a]! + wy1 * x[r1 + a]!;
        const rb = wy0 * x[r0 + b]! + wy1 * x[r1 + b]!;
        y[yo + ox] = clipQ(((ONE - wx1) * ra + wx1 * rb + HALF) >> SHIFT, -qmax, qmax);
      }
    }
  }
  return y;
}

export const qresizeOp: IntOpDef<'qresize'> = {
  kind: 'qresize',
  code: 15,
  lowerFrom: ['Resize'],
  lower(c) {
    const axes = int8ResizeAxes(c.graph, c.node);
    if (!axes) return false;
    const [s0, input] = c.intIn[0]!;
    pushRescaled(c, s0, (output) => ({ kind: 'qresize', input, output, outDims: c.outDims, ...axes }), input);
    return true;
  },
  encode(op, c) {
    const i = c.use(op.input, 'int8');
    const d = c.tensor(i).dims;
    const o = op.outDims;
    if (d.length !== 4 || o.length !== 4 || o[0] !== d[0] || o[1] !== d[1] || o[2] !== op.h.i0.length || o[3] !== op.w.i0.length) {
      c.fail(`resize '${op.output}': output [${o.join(',')}] does not match the input [${d.join(',')}] and the tables (${op.h.i0.length}×${op.w.i0.length})`);
    }
    const bad = badAxis(op.h, d[2]!) ?? badAxis(op.w, d[3]!);
    if (bad) c.fail(`resize '${op.output}': ${bad}`);
    const out = c.define(op.output, 'int8', o, c.int8Scale(op.output, c.tensor(i).scale));
    c.head(this.code, op.output);
    c.w.u32(i);
    c.w.u32(out);
    c.blob(tableBytes(op.h, op.w));
  },
  decode(c, name, what) {
    const input = c.ref(`${what} input`, 'int8');
    const output = c.ref(`${what} output`, 'int8');
    const d = c.tensors[input]!.dims;
    const o = c.tensors[output]!.dims;
    if (d.length !== 4 || o.length !== 4 || o[0] !== d[0] || o[1] !== d[1]) c.bad(`${what}: tensors are not [N,C,H,W] with the same N and C`);
    const [OH, OW] = [o[2]!, o[3]!];
    const t = new Int32Array(c.blob(`${what} tables`, 12 * (OH + OW)).slice().buffer);
    const h = readAxis(t, 0, OH);
    const w = readAxis(t, 3 * OH, OW);
    const bad = badAxis(h, d[2]!) ?? badAxis(w, d[3]!);
    if (bad) c.bad(`${what}: ${bad}`);
    c.use(input, what);
    c.produce(output, what);
    return { kind: 'qresize', name, input, output, h, w };
  },
  run(op, c) {
    const x = c.getI(op.input);
    if (numel(op.outDims) !== op.outDims[0]! * op.outDims[1]! * op.h.i0.length * op.w.i0.length) throw new Error(`qresize '${op.output}': bad tables`);
    c.setI(op.output, { dims: op.outDims, data: resizeInt8(x.data, x.dims, op.h, op.w, c.qmax) });
  },
};
