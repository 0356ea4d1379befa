/** qreshape: the int8 data under new dims (Reshape, Flatten, Squeeze, Unsqueeze, Identity) */
import { decodeSameSize, numel, pushRescaled } from './common.js';
import type { IntOpDef } from './types.js';

export const qreshapeOp: IntOpDef<'qreshape'> = {
  kind: 'qreshape',
  code: 8,
  lowerFrom: ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity'],
  lower(c) {
    const [s0, input] = c.intIn[0]!;
    pushRescaled(c, s0, (output) => ({ kind: 'qreshape', input, output, outDims: c.outDims }), input);
    return true;
  },
  encode(op, c) {
    const i = c.use(op.input, 'int8');
    if (numel(op.outDims) !== numel(c.tensor(i).dims)) c.fail(`'${op.output}': reshape changes the element count`);
    const o = c.define(op.output, 'int8', op.outDims, c.int8Scale(op.output, c.tensor(i).scale));
    c.head(this.code, op.output);
    c.w.u32(i);
    c.w.u32(o);
  },
  decode(c, name, what) {
    return { kind: 'qreshape', name, ...decodeSameSize(c, what) };
  },
  run(op, c) {
    c.setI(op.output, { dims: op.outDims, data: c.getI(op.input).data });
  },
};
