/**
 * Window geometry shared by Conv and the pooling ops: kernel, strides, dilations, pads
 * (explicit or auto_pad) and output sizes, for 1-D and 2-D spatial inputs. A 1-D input
 * [N,C,L] is handled as [N,C,1,L].
 */
import type { Node } from '../graph/ir.js';
import { attrInts, attrString } from '../graph/ir.js';
import type { OpContext } from './types.js';
import { fail, shapeStr, unsupported } from './util.js';

export interface Geom2D {
  N: number;
  C: number;
  H: number;
  W: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  pt: number;
  pl: number;
  pb: number;
  pr: number;
  OH: number;
  OW: number;
  /** 1 for 1-D input ([N,C,L] seen as [N,C,1,L]) */
  spatialRank: number;
}

/** Output dims of a window op in the input's own rank. */
export function outDims(g: Geom2D, channels: number): number[] {
  return g.spatialRank === 1 ? [g.N, channels, g.OW] : [g.N, channels, g.OH, g.OW];
}

function spatialAttr(node: Node, name: string, sr: number, dflt: number): number[] {
  const v = attrInts(node, name, new Array<number>(sr).fill(dflt));
  if (v.length !== sr) fail(node, `attribute ${name} has ${v.length} values, expected ${sr}`);
  return sr === 1 ? [dflt, v[0]!] : v;
}

interface AxisGeom {
  out: number;
  pb: number;
  pe: number;
}

function axis(node: Node, inLen: number, k: number, s: number, d: number, padB: number, padE: number, autoPad: string, ceilMode: boolean): AxisGeom {
  const dk = d * (k - 1) + 1;
  let out: number;
  let pb = padB;
  let pe = padE;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    out = Math.ceil(inLen / s);
    const total = Math.max(0, (out - 1) * s + dk - inLen);
    pb = autoPad === 'SAME_LOWER' ? Math.ceil(total / 2) : Math.floor(total / 2);
    pe = total - pb;
  } else {
    if (autoPad === 'VALID') {
      pb = 0;
      pe = 0;
    }
    const span = inLen + pb + pe - dk;
    if (span < 0) fail(node, `kernel extent ${dk} is larger than the padded input ${inLen + pb + pe}`);
    if (ceilMode) {
      out = Math.ceil(span / s) + 1;
      // the last window must start inside the input or the leading padding
      if ((out - 1) * s >= inLen + pb) out--;
    } else {
      out = Math.floor(span / s) + 1;
    }
  }
  if (out < 1) fail(node, `output size ${out} is not positive`);
  return { out, pb, pe };
}

export interface WindowOpts {
  /** kernel from the weights (Conv); pooling ops read the kernel_shape attribute */
  kernel?: [number, number];
  ceilMode?: boolean;
  /** pooling ops before the opset that introduced dilations ignore them */
  allowDilations?: boolean;
}

/** Geometry of a 1-D/2-D window op on an input of shape xDims. */
export function windowGeom(node: Node, ctx: OpContext, xDims: readonly number[], opts: WindowOpts): Geom2D {
  const rank = xDims.length;
  if (rank !== 3 && rank !== 4) {
    if (rank === 5) unsupported(node, ctx, '3-D spatial input is not supported');
    fail(node, `input must be 3-D or 4-D (N,C,[H,]W), got ${shapeStr(xDims)}`);
  }
  const sr = rank - 2;
  const N = xDims[0]!;
  const C = xDims[1]!;
  const H = sr === 1 ? 1 : xDims[2]!;
  const W = xDims[rank - 1]!;
  let kh: number;
  let kw: number;
  const ksAttr = node.attrs['kernel_shape'];
  if (ksAttr !== undefined) {
    const ks = spatialAttr(node, 'kernel_shape', sr, 1);
    kh = ks[0]!;
    kw = ks[1]!;
    if (opts.kernel && (opts.kernel[0] !== kh || opts.kernel[1] !== kw)) {
      fail(node, `kernel_shape [${attrInts(node, 'kernel_shape', []).join(',')}] does not match the weight shape`);
    }
  } else if (opts.kernel) {
    [kh, kw] = opts.kernel;
  } else {
    fail(node, 'attribute kernel_shape is required');
  }
  const st = spatialAttr(node, 'strides', sr, 1);
  const dl = opts.allowDilations === false ? [1, 1] : spatialAttr(node, 'dilations', sr, 1);
  const padsAttr = attrInts(node, 'pads', new Array<number>(2 * sr).fill(0));
  if (padsAttr.length !== 2 * sr) fail(node, `attribute pads has ${padsAttr.length} values, expected ${2 * sr}`);
  const pads = sr === 1 ? [0, padsAttr[0]!, 0, padsAttr[1]!] : padsAttr;
  if (pads.some((p) => p < 0)) fail(node, `negative pads [${padsAttr.join(',')}] are not supported`);
  const sh = st[0]!;
  const sw = st[1]!;
  const dh = dl[0]!;
  const dw = dl[1]!;
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1) {
    fail(node, `kernel, strides and dilations must be positive (kernel [${kh},${kw}], strides [${sh},${sw}], dilations [${dh},${dw}])`);
  }
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) fail(node, `unknown auto_pad '${autoPad}'`);
  const ceil = opts.ceilMode ?? false;
  const gh = sr === 1 ? { out: 1, pb: 0, pe: 0 } : axis(node, H, kh, sh, dh, pads[0]!, pads[2]!, autoPad, ceil);
  const gw = axis(node, W, kw, sw, dw, pads[1]!, pads[3]!, autoPad, ceil);
  return { N, C, H, W, kh, kw, sh, sw, dh, dw, pt: gh.pb, pb: gh.pe, pl: gw.pb, pr: gw.pe, OH: gh.out, OW: gw.out, spatialRank: sr };
}
