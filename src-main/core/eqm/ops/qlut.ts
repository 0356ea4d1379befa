/**
 * qlut: an int8 → int8 table of 256 entries, out = lut[q + 128]. The compiler fills the table
 * from a float activation f and the two scales (engine/lut-activations.ts):
 * lut[q + 128] = clip(rne(f32(f(f32(q * f32(1 / S_in))) * S_out)), -qmax, qmax).
 */
import { typedBytes } from '../bytes.js';
import type { IntOpDef } from './types.js';

export const LUT_SIZE = 256;

export const qlutOp: IntOpDef<'qlut'> = {
  kind: 'qlut',
  code: 12,
  encode(op, c) {
    const i = c.use(op.input, 'int8');
    if (op.lut.length !== LUT_SIZE) c.fail(`lut '${op.output}': the table has ${op.lut.length} entries, expected ${LUT_SIZE}`);
    op.lut.forEach((v, k) => c.checkQ(`lut '${op.output}' entry ${k}`, v));
    const o = c.define(op.output, 'int8', c.tensor(i).dims, c.int8Scale(op.output, c.tensor(i).scale));
    c.head(this.code, op.output);
    c.w.u32(i);
    c.w.u32(o);
    c.blob(typedBytes(op.lut));
  },
  decode(c, name, what) {
    const input = c.ref(`${what} input`, 'int8');
    const output = c.ref(`${what} output`, 'int8');
    const lut = new Int8Array(c.blob(`${what} table`, LUT_SIZE).slice().buffer);
    if (c.numel(input) !== c.numel(output)) c.bad(`${what}: input and output sizes differ`);
    c.use(input, what);
    c.produce(output, what);
    return { kind: 'qlut', name, input, output, lut };
  },
  run(op, c) {
    const x = c.getI(op.input);
    const out = new Int8Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = op.lut[x.data[i]! + 128]!;
    c.setI(op.output, { dims: x.dims, data: out });
  },
};
