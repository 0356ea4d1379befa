/**
 * int8 pooling for the integer reference: max and average windows over NCHW tensors. Window
 * geometry (pads, auto_pad, ceil_mode) and the count_include_pad divisor come from the same
 * helpers as the FP32 kernels (ops/spatial.ts, ops/pool-common.ts).
 */
import { attrInt, type Node } from '../graph/ir.js';
import { tapRanges } from '../ops/pool-common.js';
import { windowGeom, type Geom2D } from '../ops/spatial.js';
import { rne } from '../quant/rounding.js';

const f32 = Math.fround;

export interface PoolGeom extends Geom2D {
  countIncludePad: boolean;
}

export function poolGeometry(node: Node, opset: number, inDims: number[]): PoolGeom {
  if (node.op === 'GlobalAveragePool' || node.op === 'GlobalMaxPool') {
    const [N, C, H, W] = inDims as [number, number, number, number];
    return { N, C, H, W, OH: 1, OW: 1, kh: H, kw: W, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0, spatialRank: 2, countIncludePad: false };
  }
  const g = windowGeom(node, { opset }, inDims, { ceilMode: attrInt(node, 'ceil_mode', 0) === 1, allowDilations: node.op === 'MaxPool' || opset >= 19 });
  return { ...g, countIncludePad: node.op === 'AveragePool' && attrInt(node, 'count_include_pad', 0) === 1 };
}

/** Visits each output element with the window's in-bounds sum (or max), its divisor and its in-bounds element count. */
function pool(x: Int8Array, g: PoolGeom, isMax: boolean, emit: (o: number, v: number, count: number, inside: number) => void): void {
  const rh = tapRanges(g.OH, g.H, g.kh, g.sh, g.dh, g.pt, g.pb);
  const rw = tapRanges(g.OW, g.W, g.kw, g.sw, g.dw, g.pl, g.pr);
  for (let nc = 0; nc < g.N * g.C; nc++) {
    const base = nc * g.H * g.W;
    for (let oy = 0; oy < g.OH; oy++) {
      const y0 = oy * g.sh - g.pt;
      for (let ox = 0; ox < g.OW; ox++) {
        const x0 = ox * g.sw - g.pl;
        let acc = isMax ? -128 : 0;
        for (let ky = rh.lo[oy]!; ky < rh.hi[oy]!; ky++) {
          const row = base + (y0 + ky * g.dh) * g.W;
          for (let kx = rw.lo[ox]!; kx < rw.hi[ox]!; kx++) {
            const v = x[row + x0 + kx * g.dw]!;
            if (isMax) acc = v > acc ? v : acc;
            else acc += v;
          }
        }
        const inside = (rh.hi[oy]! - rh.lo[oy]!) * (rw.hi[ox]! - rw.lo[ox]!);
        emit((nc * g.OH + oy) * g.OW + ox, acc, g.countIncludePad ? rh.padded[oy]! * rw.padded[ox]! : inside, inside);
      }
    }
  }
}

export function int8MaxPool(x: Int8Array, g: PoolGeom): Int8Array {
  const out = new Int8Array(g.N * g.C * g.OH * g.OW);
  pool(x, g, true, (o, v) => (out[o] = v));
  return out;
}

/**
 * q = clip(rne(f32(f32(sum) * f32(S_out / (S_in * count)))) - zOut, -qmax, qmax), the sum over the
 * window's in-bounds (q + zIn): padding is the real value 0
 */
export function int8AvgPool(x: Int8Array, g: PoolGeom, inScale: number, outScale: number, qmax: number, zIn = 0, zOut = 0): Int8Array {
  const out = new Int8Array(g.N * g.C * g.OH * g.OW);
  const multCache = new Map<number, number>();
  pool(x, g, false, (o, sum, count, inside) => {
    let m = multCache.get(count);
    if (m === undefined) multCache.set(count, (m = f32(outScale / (inScale * count))));
    const q = rne(f32(f32(sum + inside * zIn) * m)) - zOut;
    out[o] = q > qmax ? qmax : q < -qmax ? -qmax : q;
  });
  return out;
}
