/** quantize: float32 → int8, q = clip(rne(f32(x * S)) - z_out, -qmax, qmax) */
import { rne } from '../../quant/rounding.js';
import { clipQ, decodeScaled, f32 } from './common.js';
import type { IntOpDef } from './types.js';

export const quantizeOp: IntOpDef<'quantize'> = {
  kind: 'quantize',
  code: 1,
  encode(op, c) {
    const i = c.use(op.input, 'float32');
    c.checkMult(`quantize '${op.output}' scale`, op.scale);
    const o = c.define(op.output, 'int8', c.tensor(i).dims, op.scale);
    c.head(this.code, op.output);
    c.w.u32(i);
    c.w.u32(o);
    c.w.f32(op.scale);
  },
  decode(c, name, what) {
    const { input, output, v } = decodeScaled(c, what, 'float32', 'int8');
    return { kind: 'quantize', name, input, output, scale: v };
  },
  run(op, c) {
    const x = c.getF(op.input)!;
    const s = f32(op.scale);
    const z = c.zero(op.output);
    const out = new Int8Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = clipQ(rne(f32(x.data[i]! * s)) - z, -c.qmax, c.qmax);
    c.setI(op.output, { dims: x.dims, data: out });
  },
};
