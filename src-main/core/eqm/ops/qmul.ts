/**
 * qmul: q = clip(rne(f32(f32(qa * qb) * M)), -qmax, qmax), M = f32(S_out / (S_a * S_b)); b is
 * broadcast over a: output element i reads b[floor(i / inner) % numel(b)] (same shape: inner 1;
 * a per-channel gate [N,C,1,1] of an [N,C,H,W] tensor, as in squeeze-excitation: inner H*W).
 */
import { rne } from '../../quant/rounding.js';
import { clipQ, f32, numel } from './common.js';
import type { IntOpDef } from './types.js';

/** elements of a per element of b, or undefined when b does not broadcast that way */
export function mulInner(a: readonly number[], b: readonly number[]): number | undefined {
  if (b.length > a.length) return undefined;
  const bb = [...Array<number>(a.length - b.length).fill(1), ...b];
  let last = bb.length;
  while (last > 0 && bb[last - 1] === 1) last--;
  // b's dims up to its last non-1 one are a's (a scalar b has none)
  for (let d = 0; d < last; d++) if (bb[d] !== a[d]) return undefined;
  return numel(a.slice(last));
}

export const qmulOp: IntOpDef<'qmul'> = {
  kind: 'qmul',
  code: 13,
  lowerFrom: ['Mul'],
  lower(c) {
    if (c.ins.length !== 2) return false;
    let [ia, ib] = [0, 1];
    const dims = (k: number) => c.graph.shapes.get(c.ins[k]!);
    if (numel(dims(0) ?? []) < numel(dims(1) ?? [])) [ia, ib] = [1, 0];
    const da = dims(ia);
    const db = dims(ib);
    if (!da || !db || da.join() !== c.outDims.join()) return false;
    const inner = mulInner(da, db);
    if (inner === undefined) return false;
    const [sa, a] = c.intIn[ia]!;
    const [sb, b] = c.intIn[ib]!;
    c.push({ kind: 'qmul', a, b, output: c.out, mult: f32(c.outScale / f32(sa * sb)), inner, outDims: c.outDims });
    return true;
  },
  encode(op, c) {
    const a = c.use(op.a, 'int8');
    const b = c.use(op.b, 'int8');
    const n = numel(c.tensor(a).dims);
    const nb = numel(c.tensor(b).dims);
    if (numel(op.outDims) !== n || op.inner < 1 || n % (op.inner * nb) !== 0)
      c.fail(`mul '${op.output}': b (${nb} elements, ${op.inner} per element) does not broadcast over a (${n})`);
    c.checkMult(`mul '${op.output}' multiplier`, op.mult);
    const o = c.define(op.output, 'int8', op.outDims, c.int8Scale(op.output, 1));
    c.head(this.code, op.output);
    c.w.u32(a);
    c.w.u32(b);
    c.w.u32(o);
    c.w.f32(op.mult);
    c.w.u32(op.inner);
  },
  decode(c, name, what) {
    const a = c.ref(`${what} a`, 'int8');
    const b = c.ref(`${what} b`, 'int8');
    const output = c.ref(`${what} output`, 'int8');
    const mult = c.r.f32(`${what} multiplier`);
    const inner = c.r.u32(`${what} inner`);
    if (!(Number.isFinite(mult) && mult > 0)) c.bad(`${what}: invalid multiplier ${mult}`);
    const n = c.numel(output);
    if (c.numel(a) !== n || inner < 1 || n % (inner * c.numel(b)) !== 0) c.bad(`${what}: b does not broadcast over a`);
    c.use(a, what);
    c.use(b, what);
    c.produce(output, what);
    return { kind: 'qmul', name, a, b, output, mult, inner };
  },
  run(op, c) {
    const a = c.getI(op.a).data;
    const b = c.getI(op.b).data;
    const out = new Int8Array(a.length);
    const m = f32(op.mult);
    for (let i = 0; i < a.length; i++) out[i] = clipQ(rne(f32(a[i]! * b[Math.floor(i / op.inner) % b.length]! * m)), -c.qmax, c.qmax);
    c.setI(op.output, { dims: op.outDims, data: out });
  },
};
