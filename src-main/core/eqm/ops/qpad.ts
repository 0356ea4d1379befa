/** qpad: a zero-constant Pad of int8 data (same scale and zero offset z, filled with -z); pads [begin..., end...] are non-negative */
import { int8PadPads } from '../../quant/int8-data-ops.js';
import { EQM_LIMITS } from '../format.js';
import { numel, pushRescaled } from './common.js';
import type { IntOpDef } from './types.js';

/** Pads x (dims) with `fill`: the output rows copy the input rows, everything else is fill (-z: the real value 0). */
export function padInt8(x: Int8Array, dims: readonly number[], pads: readonly number[], fill = 0): { dims: number[]; data: Int8Array } {
  const r = dims.length;
  const out = dims.map((d, i) => d + pads[i]! + pads[i + r]!);
  const y = new Int8Array(numel(out));
  if (fill !== 0) y.fill(fill);
  const inner = dims[r - 1]!;
  const rows = inner === 0 ? 0 : x.length / inner;
  const idx = new Array<number>(r).fill(0);
  for (let row = 0; row < rows; row++) {
    let o = 0;
    for (let d = 0; d < r; d++) o = o * out[d]! + idx[d]! + pads[d]!;
    y.set(x.subarray(row * inner, row * inner + inner), o);
    for (let d = r - 2; d >= 0; d--) {
      if (++idx[d]! < dims[d]!) break;
      idx[d] = 0;
    }
  }
  return { dims: out, data: y };
}

export const qpadOp: IntOpDef<'qpad'> = {
  kind: 'qpad',
  code: 14,
  lowerFrom: ['Pad'],
  lower(c) {
    const pads = int8PadPads(c.graph, c.node);
    if (!pads) return false;
    const [s0, input] = c.intIn[0]!;
    pushRescaled(c, s0, (output) => ({ kind: 'qpad', input, output, pads, outDims: c.outDims }), input);
    return true;
  },
  encode(op, c) {
    const i = c.use(op.input, 'int8');
    const dims = c.tensor(i).dims;
    const r = dims.length;
    if (op.pads.length !== 2 * r || op.pads.some((p) => !Number.isInteger(p) || p < 0 || p > EQM_LIMITS.maxElements))
      c.fail(`pad '${op.output}': pads [${op.pads.join(',')}] are not 2×${r} non-negative integers`);
    if (dims.some((d, k) => d + op.pads[k]! + op.pads[k + r]! !== op.outDims[k]) || op.outDims.length !== r)
      c.fail(`pad '${op.output}': output [${op.outDims.join(',')}] is not the padded input [${dims.join(',')}]`);
    const o = c.define(op.output, 'int8', op.outDims, c.int8Scale(op.output, c.tensor(i).scale));
    c.head(this.code, op.output);
    c.w.u32(i);
    c.w.u32(o);
    c.w.u32(r);
    for (const p of op.pads) c.w.u32(p);
  },
  decode(c, name, what) {
    const input = c.ref(`${what} input`, 'int8');
    const output = c.ref(`${what} output`, 'int8');
    const r = c.r.u32(`${what} rank`);
    if (r !== c.tensors[input]!.dims.length || r !== c.tensors[output]!.dims.length) c.bad(`${what}: rank ${r} does not match the tensors`);
    const pads: number[] = [];
    for (let k = 0; k < 2 * r; k++) pads.push(c.r.u32(`${what} pad ${k}`));
    const di = c.tensors[input]!.dims;
    const dout = c.tensors[output]!.dims;
    if (di.some((d, k) => d + pads[k]! + pads[k + r]! !== dout[k])) c.bad(`${what}: output dims are not the padded input dims`);
    c.use(input, what);
    c.produce(output, what);
    return { kind: 'qpad', name, input, output, pads };
  },
  run(op, c) {
    const x = c.getI(op.input);
    c.setI(op.output, padInt8(x.data, x.dims, op.pads, -c.zero(op.input)));
  },
};
