/** qconcat: each int8 input requantized to the output scale and zero offset (copied when the multiplier is 1 and the offsets agree) */
import { rne } from '../../quant/rounding.js';
import { attrInt } from '../../graph/ir.js';
import { EQM_LIMITS } from '../format.js';
import { clipQ, f32, numel } from './common.js';
import type { IntOp } from '../../engine/int-program.js';
import type { IntOpDef } from './types.js';

export const qconcatOp: IntOpDef<'qconcat'> = {
  kind: 'qconcat',
  code: 9,
  lowerFrom: ['Concat'],
  lower(c) {
    let axis = attrInt(c.node, 'axis', 1);
    if (axis < 0) axis += c.outDims.length;
    // constant inputs (e.g. channel padding) are quantized at the output scale, in input order
    const parts: [number, string][] = [];
    const quantizeConsts: IntOp[] = [];
    let d = 0;
    for (const name of c.node.inputs) {
      const init = name ? c.graph.initializers.get(name) : undefined;
      if (!init) {
        parts.push(c.intIn[d++]!);
        continue;
      }
      if (init.dtype !== 'float32') return false;
      const q = `${name}::q@${c.out}`;
      quantizeConsts.push({ kind: 'quantize', input: name, output: q, scale: c.outScale });
      parts.push([c.outScale, q]);
    }
    for (const op of quantizeConsts) c.push(op);
    c.push({
      kind: 'qconcat',
      inputs: parts.map((v) => v[1]),
      output: c.out,
      axis,
      mults: parts.map((v) => (v[0] === c.outScale ? 1 : f32(c.outScale / v[0]))),
      outDims: c.outDims,
    });
    return true;
  },
  encode(op, c) {
    const ins = op.inputs.map((n) => c.use(n, 'int8'));
    const o = c.define(op.output, 'int8', op.outDims, c.int8Scale(op.output, c.tensor(ins[0]!).scale));
    if (op.axis < 0 || op.axis >= op.outDims.length) c.fail(`concat '${op.output}': axis ${op.axis} out of range`);
    c.head(this.code, op.output);
    c.w.u32(o);
    c.w.u32(op.axis);
    c.w.u32(ins.length);
    ins.forEach((t, k) => {
      c.checkMult(`concat '${op.output}' multiplier ${k}`, op.mults[k]!);
      c.w.u32(t);
      c.w.f32(op.mults[k]!);
    });
  },
  decode(c, name, what) {
    const output = c.ref(`${what} output`, 'int8');
    const axis = c.r.u32('axis');
    const n = c.count(`${what} input count`, EQM_LIMITS.maxListLength, 8);
    const inputs: number[] = [];
    const mults: number[] = [];
    for (let i = 0; i < n; i++) {
      inputs.push(c.ref(`${what} input ${i}`, 'int8'));
      const m = c.r.f32('mult');
      if (!(Number.isFinite(m) && m > 0)) c.bad(`${what}: invalid multiplier ${m}`);
      mults.push(m);
    }
    const od = c.tensors[output]!.dims;
    if (n < 1 || axis >= od.length) c.bad(`${what}: invalid axis or input count`);
    let sum = 0;
    for (const i of inputs) {
      const d = c.tensors[i]!.dims;
      if (d.length !== od.length || d.some((v, j) => j !== axis && v !== od[j])) c.bad(`${what}: input '${c.tensors[i]!.name}' does not match the output shape`);
      sum += d[axis]!;
      c.use(i, what);
    }
    if (sum !== od[axis]) c.bad(`${what}: inputs do not add up to the output along axis ${axis}`);
    c.produce(output, what);
    return { kind: 'qconcat', name, inputs, mults, output, axis };
  },
  run(op, c) {
    const ins = op.inputs.map((n) => c.getI(n));
    const outer = numel(op.outDims.slice(0, op.axis));
    const out = new Int8Array(numel(op.outDims));
    const zi = op.inputs.map((n) => c.zero(n));
    const zo = c.zero(op.output);
    let o = 0;
    for (let i = 0; i < outer; i++) {
      ins.forEach((x, k) => {
        const inner = x.data.length / outer;
        const m = op.mults[k]!;
        const z = zi[k]!;
        const copy = m === 1 && z === zo;
        for (let j = 0; j < inner; j++) {
          const v = x.data[i * inner + j]!;
          out[o++] = copy ? v : clipQ(rne(f32((v + z) * m)) - zo, -c.qmax, c.qmax);
        }
      });
    }
    c.setI(op.output, { dims: op.outDims, data: out });
  },
};
