/** qmaxpool: max over the window, at the input's scale */
import { int8MaxPool, poolGeometry } from '../../engine/int-pool.js';
import { pushRescaled } from './common.js';
import { decodePool, encodePool } from './pool-common.js';
import type { IntOpDef } from './types.js';

export const qmaxpoolOp: IntOpDef<'qmaxpool'> = {
  kind: 'qmaxpool',
  code: 5,
  lowerFrom: ['MaxPool'],
  lower(c) {
    if (c.node.outputs.slice(1).some((o) => o)) return false; // the Indices output stays in float
    const [s0, input] = c.intIn[0]!;
    pushRescaled(c, s0, (output) => ({ kind: 'qmaxpool', node: c.node, input, output }), input);
    return true;
  },
  encode(op, c) {
    encodePool(c, this.code, op, c.graph.shapes.get(op.node.outputs[0]!), undefined);
  },
  decode(c, name, what) {
    const { input, output, geom } = decodePool(c, what, false);
    return { kind: 'qmaxpool', name, input, output, geom };
  },
  run(op, c) {
    const x = c.getI(op.input);
    const outDims = c.graph.shapes.get(op.node.outputs[0]!)!;
    c.setI(op.output, { dims: outDims, data: int8MaxPool(x.data, poolGeometry(op.node, c.graph.opset, x.dims)) });
  },
};
