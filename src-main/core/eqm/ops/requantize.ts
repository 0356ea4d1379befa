/** requantize: int8 → int8 at another scale, q' = clip(rne(f32((q + z_in) * M)) - z_out, -qmax, qmax) */
import { rne } from '../../quant/rounding.js';
import { clipQ, decodeScaled, f32 } from './common.js';
import type { IntOpDef } from './types.js';

export const requantizeOp: IntOpDef<'requantize'> = {
  kind: 'requantize',
  code: 3,
  encode(op, c) {
    const i = c.use(op.input, 'int8');
    c.checkMult(`requantize '${op.output}' multiplier`, op.mult);
    const o = c.define(op.output, 'int8', c.tensor(i).dims, c.int8Scale(op.output, c.tensor(i).scale * op.mult));
    c.head(this.code, op.output);
    c.w.u32(i);
    c.w.u32(o);
    c.w.f32(op.mult);
  },
  decode(c, name, what) {
    const { input, output, v } = decodeScaled(c, what, 'int8', 'int8');
    return { kind: 'requantize', name, input, output, mult: v };
  },
  run(op, c) {
    const x = c.getI(op.input);
    const zi = c.zero(op.input);
    const zo = c.zero(op.output);
    const out = new Int8Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = clipQ(rne(f32((x.data[i]! + zi) * op.mult)) - zo, -c.qmax, c.qmax);
    c.setI(op.output, { dims: x.dims, data: out });
  },
};
