/** qrelu: max(q, 0) at the input's scale */
import { decodeSameSize, pushRescaled } from './common.js';
import type { IntOpDef } from './types.js';

export const qreluOp: IntOpDef<'qrelu'> = {
  kind: 'qrelu',
  code: 7,
  lowerFrom: ['Relu'],
  lower(c) {
    const [s0, input] = c.intIn[0]!;
    pushRescaled(c, s0, (output) => ({ kind: 'qrelu', input, output }), input);
    return true;
  },
  encode(op, c) {
    const i = c.use(op.input, 'int8');
    const o = c.define(op.output, 'int8', c.tensor(i).dims, c.int8Scale(op.output, c.tensor(i).scale));
    c.head(this.code, op.output);
    c.w.u32(i);
    c.w.u32(o);
  },
  decode(c, name, what) {
    return { kind: 'qrelu', name, ...decodeSameSize(c, what) };
  },
  run(op, c) {
    const x = c.getI(op.input);
    c.setI(op.output, { dims: x.dims, data: x.data.map((v) => (v < 0 ? 0 : v)) });
  },
};
