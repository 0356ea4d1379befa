/** qadd: q = clip(rne(f32(f32(qa * Ma) + f32(qb * Mb))), lo, hi), Ma = f32(S_out / S_a) */
import { rne } from '../../quant/rounding.js';
import { clipQ, f32, numel } from './common.js';
import type { IntOpDef } from './types.js';

export const qaddOp: IntOpDef<'qadd'> = {
  kind: 'qadd',
  code: 10,
  lowerFrom: ['Add'],
  lower(c) {
    // same-shape operands only: broadcasting adds stay in float
    const sa = c.graph.shapes.get(c.ins[0]!)!;
    const sb = c.graph.shapes.get(c.ins[1] ?? '');
    if (c.ins.length !== 2 || !sb || sa.join() !== sb.join()) return false;
    const [s0, a] = c.intIn[0]!;
    const [s1, b] = c.intIn[1]!;
    c.push({ kind: 'qadd', a, b, output: c.out, multA: f32(c.outScale / s0), multB: f32(c.outScale / s1), lo: -c.qmax, hi: c.qmax });
    return true;
  },
  encode(op, c) {
    const a = c.use(op.a, 'int8');
    const b = c.use(op.b, 'int8');
    if (numel(c.tensor(a).dims) !== numel(c.tensor(b).dims)) c.fail(`add '${op.output}': operands differ in size`);
    const o = c.define(op.output, 'int8', c.tensor(a).dims, c.int8Scale(op.output, 1));
    c.checkMult(`add '${op.output}' multA`, op.multA);
    c.checkMult(`add '${op.output}' multB`, op.multB);
    c.checkQ(`add '${op.output}' lo`, op.lo);
    c.checkQ(`add '${op.output}' hi`, op.hi);
    c.head(this.code, op.output);
    c.w.u32(a);
    c.w.u32(b);
    c.w.u32(o);
    c.w.f32(op.multA);
    c.w.f32(op.multB);
    c.w.i32(op.lo);
    c.w.i32(op.hi);
  },
  decode(c, name, what) {
    const r = c.r;
    const a = c.ref(`${what} a`, 'int8');
    const b = c.ref(`${what} b`, 'int8');
    const output = c.ref(`${what} output`, 'int8');
    const multA = r.f32('multA');
    const multB = r.f32('multB');
    const lo = r.i32('lo');
    const hi = r.i32('hi');
    if (!(multA > 0 && multB > 0 && Number.isFinite(multA) && Number.isFinite(multB))) c.bad(`${what}: invalid multipliers`);
    if (lo < -128 || hi > 127 || lo > 127 || hi < -128) c.bad(`${what}: lo/hi out of int8 range`);
    if (c.numel(a) !== c.numel(output) || c.numel(b) !== c.numel(output)) c.bad(`${what}: operand sizes differ`);
    c.use(a, what);
    c.use(b, what);
    c.produce(output, what);
    return { kind: 'qadd', name, a, b, output, multA, multB, lo, hi };
  },
  run(op, c) {
    const a = c.getI(op.a);
    const b = c.getI(op.b);
    const out = new Int8Array(a.data.length);
    for (let i = 0; i < out.length; i++) out[i] = clipQ(rne(f32(f32(a.data[i]! * op.multA) + f32(b.data[i]! * op.multB))), op.lo, op.hi);
    c.setI(op.output, { dims: a.dims, data: out });
  },
};
