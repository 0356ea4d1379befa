/** int8 pooling for the integer reference: max and average windows over NCHW tensors. */
import { attrInt, attrInts, attrString, type Node } from '../graph/ir.js';
import { rne } from '../quant/rounding.js';

const f32 = Math.fround;

export interface PoolGeom {
  N: number;
  C: number;
  H: number;
  W: number;
  OH: number;
  OW: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padT: number;
  padL: number;
  countIncludePad: boolean;
}

export function poolGeometry(node: Node, inDims: number[], outDims: number[]): PoolGeom {
  const [N, C, H, W] = inDims as [number, number, number, number];
  const [, , OH, OW] = outDims as [number, number, number, number];
  if (node.op === 'GlobalAveragePool' || node.op === 'GlobalMaxPool') {
    return { N, C, H, W, OH: 1, OW: 1, kh: H, kw: W, sh: 1, sw: 1, dh: 1, dw: 1, padT: 0, padL: 0, countIncludePad: false };
  }
  const [kh, kw] = attrInts(node, 'kernel_shape', [1, 1]) as [number, number];
  const [sh, sw] = attrInts(node, 'strides', [1, 1]) as [number, number];
  const [dh, dw] = attrInts(node, 'dilations', [1, 1]) as [number, number];
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  let padT = 0;
  let padL = 0;
  if (autoPad === 'NOTSET') {
    const p = attrInts(node, 'pads', [0, 0, 0, 0]);
    padT = p[0]!;
    padL = p[1]!;
  } else if (autoPad !== 'VALID') {
    const totH = Math.max(0, (OH - 1) * sh + (kh - 1) * dh + 1 - H);
    const totW = Math.max(0, (OW - 1) * sw + (kw - 1) * dw + 1 - W);
    padT = autoPad === 'SAME_UPPER' ? Math.floor(totH / 2) : Math.ceil(totH / 2);
    padL = autoPad === 'SAME_UPPER' ? Math.floor(totW / 2) : Math.ceil(totW / 2);
  }
  const pads = attrInts(node, 'pads', [0, 0, 0, 0]);
  return { N, C, H, W, OH, OW, kh, kw, sh, sw, dh, dw, padT, padL, countIncludePad: attrInt(node, 'count_include_pad', 0) === 1 && pads.some((x) => x > 0) };
}

/** Visits each output element with the window's in-bounds sum/max and element counts. */
function pool(x: Int8Array, g: PoolGeom, isMax: boolean, emit: (o: number, v: number, count: number) => void): void {
  const padH = g.padT;
  for (let nc = 0; nc < g.N * g.C; nc++) {
    const base = nc * g.H * g.W;
    for (let oy = 0; oy < g.OH; oy++) {
      for (let ox = 0; ox < g.OW; ox++) {
        let acc = isMax ? -Infinity : 0;
        let inside = 0;
        let padded = 0;
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.sh - padH + ky * g.dh;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.sw - g.padL + kx * g.dw;
            if (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W) {
              // with ceil_mode a window may run past the padded input: those taps count for nothing
              if (iy >= -g.padT && ix >= -g.padL && iy < g.H + g.padT && ix < g.W + g.padL) padded++;
              continue;
            }
            const v = x[base + iy * g.W + ix]!;
            if (isMax) acc = v > acc ? v : acc;
            else acc += v;
            inside++;
          }
        }
        emit((nc * g.OH + oy) * g.OW + ox, acc, g.countIncludePad ? inside + padded : inside);
      }
    }
  }
}

export function int8MaxPool(x: Int8Array, g: PoolGeom): Int8Array {
  const out = new Int8Array(g.N * g.C * g.OH * g.OW);
  pool(x, g, true, (o, v) => (out[o] = v));
  return out;
}

export function int8AvgPool(x: Int8Array, g: PoolGeom, inScale: number, outScale: number, qmax: number): Int8Array {
  const out = new Int8Array(g.N * g.C * g.OH * g.OW);
  const multCache = new Map<number, number>();
  pool(x, g, false, (o, sum, count) => {
    let m = multCache.get(count);
    if (m === undefined) multCache.set(count, (m = f32(outScale / (inScale * count))));
    const q = rne(f32(f32(sum) * m));
    out[o] = q > qmax ? qmax : q < -qmax ? -qmax : q;
  });
  return out;
}
