/**
 * MaxPool (opset 1-25), 1-D and 2-D: kernel_shape, strides, pads, auto_pad, dilations and
 * ceil_mode (opset >= 10). Output 0 is the pooled tensor; the optional Indices output
 * (flattened NCHW indices, storage_order 0 row-major / 1 column-major) is produced when the
 * node names it. Padding never wins: values outside the input are ignored.
 */
import { attrInt } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import type { OpDef } from './types.js';
import { outDims, windowGeom } from './spatial.js';
import { tapRanges } from './pool-common.js';
import { fail, float, LATEST_OPSET, makeTensor, reqFloat, reqShape } from './util.js';

const LOWEST = -3.4028234663852886e38;

export const MaxPool: OpDef = {
  op: 'MaxPool',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const X = reqFloat(node, inputs, 0, 'X');
    const g = windowGeom(node, ctx, X.dims, { ceilMode: attrInt(node, 'ceil_mode', 0) !== 0, allowDilations: ctx.opset >= 10 });
    const { H, W, kh, kw, sh, sw, dh, dw, OH, OW } = g;
    const rh = tapRanges(OH, H, kh, sh, dh, g.pt, g.pb);
    const rw = tapRanges(OW, W, kw, sw, dw, g.pl, g.pr);
    const planes = g.N * g.C;
    const x = X.data;
    const y = new Float32Array(planes * OH * OW);
    const wantIdx = node.outputs.length > 1 && node.outputs[1] !== '';
    const storage = attrInt(node, 'storage_order', 0);
    if (storage !== 0 && storage !== 1) fail(node, `storage_order must be 0 or 1, got ${storage}`);
    const idx = wantIdx ? new Float64Array(planes * OH * OW) : null;
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
          let m = LOWEST;
          let at = -1;
          for (let ki = kiLo; ki < kiHi; ki++) {
            const r = xo + (hs + ki * dh) * W + ws;
            for (let kj = kjLo; kj < kjHi; kj++) {
              const v = x[r + kj * dw]!;
              if (v > m) {
                m = v;
                at = r + kj * dw;
              }
            }
          }
          y[yo + oh * OW + ow] = m;
          if (idx) {
            if (at < 0) at = xo + Math.max(0, hs) * W + Math.max(0, ws);
            const local = at - xo;
            const h = (local / W) | 0;
            const w = local - h * W;
            idx[yo + oh * OW + ow] = storage === 0 ? at : xo + w * H + h;
          }
        }
      }
    }
    const out: Tensor[] = [float(outDims(g, g.C), y)];
    if (idx) out.push(makeTensor('int64', outDims(g, g.C), idx));
    return out;
  },
  inferShape(node, shapes, _consts, ctx) {
    const x = reqShape(node, shapes, 0, 'X');
    const g = windowGeom(node, ctx, x, { ceilMode: attrInt(node, 'ceil_mode', 0) !== 0, allowDilations: ctx.opset >= 10 });
    const s = outDims(g, g.C);
    return node.outputs.length > 1 && node.outputs[1] !== '' ? [s, [...s]] : [s];
  },
};
