/**
 * AveragePool (opset 1-25), 1-D and 2-D: kernel_shape, strides, pads, auto_pad,
 * count_include_pad (opset >= 7), ceil_mode (opset >= 10) and dilations (opset >= 19).
 * With count_include_pad the divisor counts window taps inside input + explicit pads
 * (never the ceil_mode overhang); otherwise only taps inside the input.
 */
import { attrInt } from '../graph/ir.js';
import type { OpDef } from './types.js';
import { outDims, windowGeom } from './spatial.js';
import { tapRanges } from './pool-common.js';
import { float, LATEST_OPSET, reqFloat, reqShape } from './util.js';

export const AveragePool: OpDef = {
  op: 'AveragePool',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const X = reqFloat(node, inputs, 0, 'X');
    const g = windowGeom(node, ctx, X.dims, { ceilMode: attrInt(node, 'ceil_mode', 0) !== 0, allowDilations: ctx.opset >= 19 });
    const { H, W, kh, kw, sh, sw, dh, dw, OH, OW } = g;
    const includePad = attrInt(node, 'count_include_pad', 0) !== 0;
    const rh = tapRanges(OH, H, kh, sh, dh, g.pt, g.pb);
    const rw = tapRanges(OW, W, kw, sw, dw, g.pl, g.pr);
    const planes = g.N * g.C;
    const x = X.data;
    const y = new Float32Array(planes * OH * OW);
    for (let p = 0; p < planes; p++) {
      const xo = p * H * W;
      const yo = p * OH * OW;
      for (let oh = 0; oh < OH; oh++) {
        const hs = oh * sh - g.pt;
        const kiLo = rh.lo[oh]!;
        const kiHi = rh.hi[oh]!;
        for (let ow = 0; ow < OW; ow++) {
          const ws = ow * sw - g.pl;
          const kjLo = rw.lo[ow]!;
          const kjHi = rw.hi[ow]!;
          let s = 0;
          for (let ki = kiLo; ki < kiHi; ki++) {
            const r = xo + (hs + ki * dh) * W + ws;
            for (let kj = kjLo; kj < kjHi; kj++) s += x[r + kj * dw]!;
          }
          const cnt = includePad ? rh.padded[oh]! * rw.padded[ow]! : (kiHi - kiLo) * (kjHi - kjLo);
          y[yo + oh * OW + ow] = cnt > 0 ? s / cnt : NaN;
        }
      }
    }
    return [float(outDims(g, g.C), y)];
  },
  inferShape(node, shapes, _consts, ctx) {
    const g = windowGeom(node, ctx, reqShape(node, shapes, 0, 'X'), { ceilMode: attrInt(node, 'ceil_mode', 0) !== 0, allowDilations: ctx.opset >= 19 });
    return [outDims(g, g.C)];
  },
};
