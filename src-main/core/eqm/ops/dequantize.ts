/** dequantize: int8 → float32, x = f32((q + z) * f32(1 / S)) */
import { decodeScaled, f32 } from './common.js';
import type { IntOpDef } from './types.js';

export const dequantizeOp: IntOpDef<'dequantize'> = {
  kind: 'dequantize',
  code: 2,
  encode(op, c) {
    const i = c.use(op.input, 'int8');
    c.checkMult(`dequantize '${op.output}' scale`, op.scale);
    const o = c.define(op.output, 'float32', c.tensor(i).dims);
    c.head(this.code, op.output);
    c.w.u32(i);
    c.w.u32(o);
    c.w.f32(op.scale);
  },
  decode(c, name, what) {
    const { input, output, v } = decodeScaled(c, what, 'int8', 'float32');
    return { kind: 'dequantize', name, input, output, scale: v };
  },
  run(op, c) {
    const x = c.getI(op.input);
    const m = f32(1 / op.scale);
    const z = c.zero(op.input);
    const out = new Float32Array(x.data.length);
    for (let i = 0; i < out.length; i++) out[i] = f32((x.data[i]! + z) * m);
    c.setF(op.output, { dtype: 'float32', dims: x.dims, data: out });
  },
};
