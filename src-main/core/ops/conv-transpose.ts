/**
 * ConvTranspose (opset 1-25), 1-D and 2-D: group, strides, dilations, pads, output_padding,
 * output_shape and auto_pad. Weight layout [C, M/group, kH, kW].
 * Each input pixel scatters into a float64 output accumulator, so every output element is a
 * float64 sum rounded to float32 once (after the bias).
 */
import type { Node } from '../graph/ir.js';
import { attrInt, attrInts, attrString } from '../graph/ir.js';
import type { OpContext, OpDef } from './types.js';
import { actBounds, fail, float, LATEST_OPSET, optFloat, reqFloat, reqShape, shapeStr, unsupported } from './util.js';

interface TGeom {
  N: number;
  C: number;
  H: number;
  W: number;
  M: number;
  group: number;
  Cg: number;
  Mg: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pl: number;
  OH: number;
  OW: number;
  sr: number;
}

function spatial(node: Node, name: string, sr: number, dflt: number): number[] {
  const v = attrInts(node, name, new Array<number>(sr).fill(dflt));
  if (v.length !== sr) fail(node, `attribute ${name} has ${v.length} values, expected ${sr}`);
  return sr === 1 ? [dflt, v[0]!] : v;
}

function geom(node: Node, ctx: OpContext, x: readonly number[], w: readonly number[], b?: readonly number[]): TGeom {
  const rank = x.length;
  if (rank === 5) unsupported(node, ctx, '3-D spatial input is not supported');
  if (rank !== 3 && rank !== 4) fail(node, `input must be 3-D or 4-D, got ${shapeStr(x)}`);
  if (w.length !== rank) fail(node, `weight ${shapeStr(w)} does not match input rank ${rank}`);
  const sr = rank - 2;
  const N = x[0]!;
  const C = x[1]!;
  const H = sr === 1 ? 1 : x[2]!;
  const W = x[rank - 1]!;
  const group = attrInt(node, 'group', 1);
  if (group < 1 || C % group !== 0) fail(node, `input channels ${C} are not divisible by group ${group}`);
  if (w[0] !== C) fail(node, `weight ${shapeStr(w)} expects ${w[0]} input channels, input ${shapeStr(x)} has ${C}`);
  const Cg = C / group;
  const Mg = w[1]!;
  const M = Mg * group;
  if (b && (b.length !== 1 || b[0] !== M)) fail(node, `bias ${shapeStr(b)} does not match ${M} output channels`);
  const kh = sr === 1 ? 1 : w[2]!;
  const kw = w[rank - 1]!;
  const ks = node.attrs['kernel_shape'] !== undefined ? spatial(node, 'kernel_shape', sr, 1) : [kh, kw];
  if (ks[0] !== kh || ks[1] !== kw) fail(node, `kernel_shape does not match the weight shape ${shapeStr(w)}`);
  const [sh, sw] = spatial(node, 'strides', sr, 1) as [number, number];
  const [dh, dw] = spatial(node, 'dilations', sr, 1) as [number, number];
  const [oph, opw] = spatial(node, 'output_padding', sr, 0) as [number, number];
  const padsA = attrInts(node, 'pads', new Array<number>(2 * sr).fill(0));
  if (padsA.length !== 2 * sr) fail(node, `attribute pads has ${padsA.length} values, expected ${2 * sr}`);
  const pads = sr === 1 ? [0, padsA[0]!, 0, padsA[1]!] : [...padsA];
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const outShapeAttr = attrInts(node, 'output_shape', []);
  const ins = [H, W];
  const ksz = [kh, kw];
  const st = [sh, sw];
  const dl = [dh, dw];
  const op = [oph, opw];
  let target: number[] | undefined;
  if (outShapeAttr.length > 0) {
    const os = outShapeAttr.length === sr + 2 ? outShapeAttr.slice(2) : outShapeAttr;
    if (os.length !== sr) fail(node, `output_shape [${outShapeAttr.join(',')}] does not match spatial rank ${sr}`);
    target = sr === 1 ? [1, os[0]!] : os;
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    target = [H * sh, W * sw];
    if (sr === 1) target[0] = 1;
  }
  const outs = [0, 0];
  for (let i = 0; i < 2; i++) {
    const full = st[i]! * (ins[i]! - 1) + op[i]! + (ksz[i]! - 1) * dl[i]! + 1;
    if (target) {
      const total = full - target[i]!;
      if (total < 0) fail(node, `output_shape ${target[i]} is larger than the full output ${full}`);
      const half = Math.floor(total / 2);
      if (autoPad === 'SAME_UPPER') {
        pads[i] = half;
        pads[i + 2] = total - half;
      } else {
        pads[i] = total - half;
        pads[i + 2] = half;
      }
      outs[i] = target[i]!;
    } else {
      if (autoPad === 'VALID') {
        pads[i] = 0;
        pads[i + 2] = 0;
      }
      outs[i] = full - pads[i]! - pads[i + 2]!;
    }
    if (outs[i]! < 1) fail(node, `output size ${outs[i]} is not positive`);
  }
  return { N, C, H, W, M, group, Cg, Mg, kh, kw, sh, sw, dh, dw, pt: pads[0]!, pl: pads[1]!, OH: outs[0]!, OW: outs[1]!, sr };
}

function outDims(g: TGeom): number[] {
  return g.sr === 1 ? [g.N, g.M, g.OW] : [g.N, g.M, g.OH, g.OW];
}

export const ConvTranspose: OpDef = {
  op: 'ConvTranspose',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const X = reqFloat(node, inputs, 0, 'X');
    const Wt = reqFloat(node, inputs, 1, 'W');
    const B = optFloat(node, inputs, 2, 'B');
    const g = geom(node, ctx, X.dims, Wt.dims, B?.dims);
    const { H, W, kh, kw, sh, sw, dh, dw, pt, pl, OH, OW, Cg, Mg } = g;
    const { lo, hi } = actBounds(node);
    const x = X.data;
    const w = Wt.data;
    const OHW = OH * OW;
    const y = new Float32Array(g.N * g.M * OHW);
    const acc = new Float64Array(Mg * OHW);
    for (let n = 0; n < g.N; n++) {
      for (let gi = 0; gi < g.group; gi++) {
        acc.fill(0);
        for (let c = 0; c < Cg; c++) {
          const ci = gi * Cg + c;
          const xc = (n * g.C + ci) * H * W;
          for (let m = 0; m < Mg; m++) {
            const wb = (ci * Mg + m) * kh * kw;
            const ab = m * OHW;
            for (let ki = 0; ki < kh; ki++) {
              // oh = ih*sh - pt + ki*dh must lie in [0, OH)
              const off = ki * dh - pt;
              const ihLo = Math.max(0, Math.ceil(-off / sh));
              const ihHi = Math.min(H, Math.floor((OH - 1 - off) / sh) + 1);
              for (let kj = 0; kj < kw; kj++) {
                const wv = w[wb + ki * kw + kj]!;
                const offw = kj * dw - pl;
                const iwLo = Math.max(0, Math.ceil(-offw / sw));
                const iwHi = Math.min(W, Math.floor((OW - 1 - offw) / sw) + 1);
                for (let ih = ihLo; ih < ihHi; ih++) {
                  const xr = xc + ih * W;
                  let o = ab + (ih * sh + off) * OW + iwLo * sw + offw;
                  for (let iw = iwLo; iw < iwHi; iw++, o += sw) acc[o]! += wv * x[xr + iw]!;
                }
              }
            }
          }
        }
        for (let m = 0; m < Mg; m++) {
          const bv = B ? B.data[gi * Mg + m]! : 0;
          const yo = (n * g.M + gi * Mg + m) * OHW;
          const ao = m * OHW;
          for (let i = 0; i < OHW; i++) {
            const v = acc[ao + i]! + bv;
            y[yo + i] = v < lo ? lo : v > hi ? hi : v;
          }
        }
      }
    }
    return [float(outDims(g), y)];
  },
  inferShape(node, shapes, _consts, ctx) {
    return [outDims(geom(node, ctx, reqShape(node, shapes, 0, 'X'), reqShape(node, shapes, 1, 'W'), shapes[2]))];
  },
};
