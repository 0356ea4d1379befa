/**
 * Conv (opset 1-25), 1-D and 2-D, with group (incl. depthwise), strides, dilations,
 * explicit pads or auto_pad, optional bias and an optional fused Relu/Clip (node.act).
 *
 * Paths: depthwise (one input channel per group) runs a direct loop; a 1x1 stride-1 unpadded
 * conv feeds the input planes straight to the GEMM packer; everything else goes through
 * im2col written directly into the packed GEMM panels, block by block.
 */
import type { Node } from '../graph/ir.js';
import { attrInt } from '../graph/ir.js';
import type { OpContext, OpDef } from './types.js';
import type { Geom2D } from './spatial.js';
import { outDims, windowGeom } from './spatial.js';
import { gemmBlockCols, gemmPacked, packPanels, type FillB } from './gemm-core.js';
import { actBounds, fail, float, LATEST_OPSET, optFloat, reqFloat, reqShape, shapeStr } from './util.js';

interface ConvSetup {
  g: Geom2D;
  M: number;
  group: number;
  Cg: number;
  Mg: number;
}

function setup(node: Node, ctx: OpContext, x: readonly number[], w: readonly number[], b?: readonly number[]): ConvSetup {
  if (w.length !== x.length) fail(node, `weight rank ${w.length} ${shapeStr(w)} does not match input rank ${x.length} ${shapeStr(x)}`);
  const group = attrInt(node, 'group', 1);
  const M = w[0]!;
  const g = windowGeom(node, ctx, x, { kernel: w.length === 3 ? [1, w[2]!] : [w[2]!, w[3]!] });
  if (group < 1 || g.C % group !== 0) fail(node, `input channels ${g.C} are not divisible by group ${group}`);
  const Cg = g.C / group;
  if (w[1] !== Cg) fail(node, `weight ${shapeStr(w)} expects ${w[1]! * group} input channels (group ${group}), input ${shapeStr(x)} has ${g.C}`);
  if (M % group !== 0) fail(node, `output channels ${M} are not divisible by group ${group}`);
  if (b && (b.length !== 1 || b[0] !== M)) fail(node, `bias ${shapeStr(b)} does not match ${M} output channels`);
  return { g, M, group, Cg, Mg: M / group };
}

function depthwise(s: ConvSetup, x: Float32Array, w: Float32Array, bias: Float32Array | undefined, y: Float32Array, lo: number, hi: number): void {
  const { g, M, Mg } = s;
  const { H, W, kh, kw, sh, sw, dh, dw, pt, pl, OH, OW } = g;
  const kk = kh * kw;
  const is3x3 = kh === 3 && kw === 3;
  // output columns whose window lies fully inside the row: iw0 >= 0 and iw0 + (kw-1)*dw < W
  const owLo = Math.min(OW, Math.max(0, Math.ceil(pl / sw)));
  const owHi = Math.max(owLo, Math.min(OW, Math.floor((W - 1 - (kw - 1) * dw + pl) / sw) + 1));
  for (let n = 0; n < g.N; n++) {
    for (let m = 0; m < M; m++) {
      const c = (m / Mg) | 0;
      const xo = (n * g.C + c) * H * W;
      const wo = m * kk;
      const yo = (n * M + m) * OH * OW;
      const bv = bias ? bias[m]! : 0;
      const w0 = w[wo]!,
        w1 = w[wo + 1]!,
        w2 = w[wo + 2]!;
      const w3 = is3x3 ? w[wo + 3]! : 0,
        w4 = is3x3 ? w[wo + 4]! : 0,
        w5 = is3x3 ? w[wo + 5]! : 0;
      const w6 = is3x3 ? w[wo + 6]! : 0,
        w7 = is3x3 ? w[wo + 7]! : 0,
        w8 = is3x3 ? w[wo + 8]! : 0;
      for (let oh = 0; oh < OH; oh++) {
        const ih0 = oh * sh - pt;
        let kiLo = 0;
        while (kiLo < kh && ih0 + kiLo * dh < 0) kiLo++;
        let kiHi = kh;
        while (kiHi > kiLo && ih0 + (kiHi - 1) * dh >= H) kiHi--;
        const yr = yo + oh * OW;
        if (is3x3 && kiLo === 0 && kiHi === 3) {
          // interior of a full 3x3 row: weights in registers, no bounds checks
          const r0 = xo + ih0 * W - pl;
          const r1 = r0 + dh * W;
          const r2 = r1 + dh * W;
          const d2 = 2 * dw;
          for (let ow = owLo; ow < owHi; ow++) {
            const p = ow * sw;
            let acc = x[r0 + p]! * w0;
            acc += x[r0 + p + dw]! * w1;
            acc += x[r0 + p + d2]! * w2;
            acc += x[r1 + p]! * w3;
            acc += x[r1 + p + dw]! * w4;
            acc += x[r1 + p + d2]! * w5;
            acc += x[r2 + p]! * w6;
            acc += x[r2 + p + dw]! * w7;
            acc += x[r2 + p + d2]! * w8;
            const v = acc + bv;
            y[yr + ow] = v < lo ? lo : v > hi ? hi : v;
          }
        } else {
          for (let ow = owLo; ow < owHi; ow++) {
            const iw0 = ow * sw - pl;
            let acc = 0;
            for (let ki = kiLo; ki < kiHi; ki++) {
              let xi = xo + (ih0 + ki * dh) * W + iw0;
              let wi = wo + ki * kw;
              for (let kj = 0; kj < kw; kj++, xi += dw, wi++) acc += x[xi]! * w[wi]!;
            }
            const v = acc + bv;
            y[yr + ow] = v < lo ? lo : v > hi ? hi : v;
          }
        }
        // border columns: bounds-checked taps
        for (let ow = 0; ow < OW; ow++) {
          if (ow === owLo && owHi > owLo) {
            ow = owHi - 1;
            continue;
          }
          const iw0 = ow * sw - pl;
          let acc = 0;
          for (let ki = kiLo; ki < kiHi; ki++) {
            const xr = xo + (ih0 + ki * dh) * W;
            const wr = wo + ki * kw;
            for (let kj = 0; kj < kw; kj++) {
              const iw = iw0 + kj * dw;
              if (iw >= 0 && iw < W) acc += x[xr + iw]! * w[wr + kj]!;
            }
          }
          const v = acc + bv;
          y[yr + ow] = v < lo ? lo : v > hi ? hi : v;
        }
      }
    }
  }
}

/** Filler for a 1x1, stride-1, unpadded conv: B(k, n) = x[xBase + k*HW + n]. */
function fill1x1(x: Float32Array, K: number, HW: number, xBase: () => number): FillB {
  const K4 = K * 4;
  return (dst, n0, nc) => {
    const base = xBase() + n0;
    const P = (nc + 3) >> 2;
    for (let p = 0; p < P; p++) {
      let d = p * K4;
      const j = p * 4;
      let s = base + j;
      if (j + 4 <= nc) {
        for (let k = 0; k < K; k++, d += 4, s += HW) {
          dst[d] = x[s]!;
          dst[d + 1] = x[s + 1]!;
          dst[d + 2] = x[s + 2]!;
          dst[d + 3] = x[s + 3]!;
        }
      } else {
        const r = nc - j;
        for (let k = 0; k < K; k++, d += 4, s += HW) {
          for (let t = 0; t < 4; t++) dst[d + t] = t < r ? x[s + t]! : 0;
        }
      }
    }
  };
}

/**
 * im2col filler: B(k, n) with k = (c*kh + ki)*kw + kj and n = oh*OW + ow, written panel by
 * panel (4 output pixels at a time) so the stores are sequential.
 */
function fillIm2col(s: ConvSetup, x: Float32Array, K: number, cols: number, xBase: () => number): FillB {
  const { H, W, kh, kw, sh, sw, dh, dw, pt, pl, OW } = s.g;
  const Cg = s.Cg;
  const HW = H * W;
  const K4 = K * 4;
  const pad4 = ((cols + 3) >> 2) * 4;
  const ihb = new Int32Array(pad4);
  const iwb = new Int32Array(pad4);
  const FAR = -(1 << 30);
  return (dst, n0, nc) => {
    const base = xBase();
    const P = (nc + 3) >> 2;
    for (let j = 0; j < P * 4; j++) {
      if (j < nc) {
        const n = n0 + j;
        const oh = (n / OW) | 0;
        ihb[j] = oh * sh - pt;
        iwb[j] = (n - oh * OW) * sw - pl;
      } else {
        ihb[j] = FAR; // tail lanes read as padding: zeros
        iwb[j] = FAR;
      }
    }
    for (let p = 0; p < P; p++) {
      let d = p * K4;
      const j = p * 4;
      const h0 = ihb[j]!,
        h1 = ihb[j + 1]!,
        h2 = ihb[j + 2]!,
        h3 = ihb[j + 3]!;
      const w0 = iwb[j]!,
        w1 = iwb[j + 1]!,
        w2 = iwb[j + 2]!,
        w3 = iwb[j + 3]!;
      for (let c = 0; c < Cg; c++) {
        const xc = base + c * HW;
        for (let ki = 0; ki < kh; ki++) {
          const dih = ki * dh;
          const a0 = h0 + dih,
            a1 = h1 + dih,
            a2 = h2 + dih,
            a3 = h3 + dih;
          const ok0 = a0 >= 0 && a0 < H,
            ok1 = a1 >= 0 && a1 < H,
            ok2 = a2 >= 0 && a2 < H,
            ok3 = a3 >= 0 && a3 < H;
          const r0 = xc + a0 * W,
            r1 = xc + a1 * W,
            r2 = xc + a2 * W,
            r3 = xc + a3 * W;
          for (let kj = 0; kj < kw; kj++, d += 4) {
            const diw = kj * dw;
            const b0 = w0 + diw,
              b1 = w1 + diw,
              b2 = w2 + diw,
              b3 = w3 + diw;
            dst[d] = ok0 && b0 >= 0 && b0 < W ? x[r0 + b0]! : 0;
            dst[d + 1] = ok1 && b1 >= 0 && b1 < W ? x[r1 + b1]! : 0;
            dst[d + 2] = ok2 && b2 >= 0 && b2 < W ? x[r2 + b2]! : 0;
            dst[d + 3] = ok3 && b3 >= 0 && b3 < W ? x[r3 + b3]! : 0;
          }
        }
      }
    }
  };
}

export function convForward(
  node: Node,
  ctx: OpContext,
  X: { dims: number[]; data: Float32Array },
  Wt: { dims: number[]; data: Float32Array },
  B: { dims: number[]; data: Float32Array } | undefined,
): { dims: number[]; data: Float32Array } {
  const s = setup(node, ctx, X.dims, Wt.dims, B?.dims);
  const { g, M, group, Cg, Mg } = s;
  const { lo, hi } = actBounds(node);
  const OHW = g.OH * g.OW;
  const y = new Float32Array(g.N * M * OHW);
  const x = X.data;
  if (Cg === 1 && group > 1) {
    depthwise(s, x, Wt.data, B?.data, y, lo, hi);
    return { dims: outDims(g, M), data: y };
  }
  const K = Cg * g.kh * g.kw;
  const HW = g.H * g.W;
  const cols = gemmBlockCols(K, OHW);
  let xb = 0;
  const xBase = () => xb;
  const is1x1 = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt === 0 && g.pl === 0 && g.pb === 0 && g.pr === 0;
  const fill = is1x1 ? fill1x1(x, K, HW, xBase) : fillIm2col(s, x, K, cols, xBase);
  for (let gi = 0; gi < group; gi++) {
    const Ap = packPanels(Wt.data, gi * Mg * K, Mg, K, K, 1);
    let rowBias: Float64Array | null = null;
    if (B) {
      rowBias = new Float64Array(Mg);
      for (let m = 0; m < Mg; m++) rowBias[m] = B.data[gi * Mg + m]!;
    }
    for (let n = 0; n < g.N; n++) {
      xb = (n * g.C + gi * Cg) * HW;
      gemmPacked(Mg, OHW, K, Ap, fill, y, (n * M + gi * Mg) * OHW, OHW, { alpha: 1, rowBias, colBias: null, lo, hi });
    }
  }
  return { dims: outDims(g, M), data: y };
}

export const Conv: OpDef = {
  op: 'Conv',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const X = reqFloat(node, inputs, 0, 'X');
    const W = reqFloat(node, inputs, 1, 'W');
    const B = optFloat(node, inputs, 2, 'B');
    const r = convForward(node, ctx, X, W, B);
    return [float(r.dims, r.data)];
  },
  inferShape(node, shapes, _consts, ctx) {
    const x = reqShape(node, shapes, 0, 'X');
    const w = reqShape(node, shapes, 1, 'W');
    const s = setup(node, ctx, x, w, shapes[2]);
    return [outDims(s.g, s.M)];
  },
};
