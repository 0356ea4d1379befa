/** qavgpool: q = clip(rne(f32(f32(sum of q + z_in) * f32(S_out / (S_in * count)))) - z_out, -qmax, qmax) */
import { int8AvgPool, poolGeometry } from '../../engine/int-pool.js';
import { decodePool, encodePool } from './pool-common.js';
import type { IntOpDef } from './types.js';

export const qavgpoolOp: IntOpDef<'qavgpool'> = {
  kind: 'qavgpool',
  code: 6,
  lowerFrom: ['AveragePool', 'GlobalAveragePool'],
  lower(c) {
    const [inScale, input] = c.intIn[0]!;
    c.push({ kind: 'qavgpool', node: c.node, input, output: c.out, inScale, outScale: c.outScale, outDims: c.outDims });
    return true;
  },
  encode(op, c) {
    encodePool(c, this.code, op, op.outDims, { in: op.inScale, out: op.outScale });
  },
  decode(c, name, what) {
    const { input, output, geom, inScale, outScale } = decodePool(c, what, true);
    return { kind: 'qavgpool', name, input, output, geom, inScale, outScale };
  },
  run(op, c) {
    const x = c.getI(op.input);
    c.setI(op.output, {
      dims: op.outDims,
      data: int8AvgPool(x.data, poolGeometry(op.node, c.graph.opset, x.dims), op.inScale, op.outScale, c.qmax, c.zero(op.input), c.zero(op.output)),
    });
  },
};
