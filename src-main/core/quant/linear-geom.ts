/**
 * Geometry of a quantized linear layer (Conv or Gemm) and the im2col / GEMM used by the
 * reference engines and the EQ search. A Gemm is a 1x1 "conv" over M rows: P = M positions.
 * Accumulation is in float64, which is exact for integer operands (sums stay far below 2^53).
 */
import { attrInt, attrInts, attrString, type Node } from '../graph/ir.js';

export interface LinearGeom {
  kind: 'conv' | 'gemm';
  cin: number;
  cout: number;
  group: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padT: number;
  padL: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  /** fan-in per output channel: (cin/group)*kh*kw */
  K: number;
  /** output positions per image: outH*outW (gemm: rows M) */
  P: number;
}

export function convGeometry(n: Node, xDims: number[], wDims: number[], yDims: number[]): LinearGeom {
  const [, cin, inH, inW] = xDims as [number, number, number, number];
  const [cout, cpg, kh, kw] = wDims as [number, number, number, number];
  const group = attrInt(n, 'group', 1);
  const [sh, sw] = attrInts(n, 'strides', [1, 1]) as [number, number];
  const [dh, dw] = attrInts(n, 'dilations', [1, 1]) as [number, number];
  const outH = yDims[2]!;
  const outW = yDims[3]!;
  let padT: number;
  let padL: number;
  const autoPad = attrString(n, 'auto_pad', 'NOTSET');
  if (autoPad === 'NOTSET') {
    const pads = attrInts(n, 'pads', [0, 0, 0, 0]);
    padT = pads[0]!;
    padL = pads[1]!;
  } else if (autoPad === 'VALID') {
    padT = 0;
    padL = 0;
  } else {
    const totH = Math.max(0, (outH - 1) * sh + (kh - 1) * dh + 1 - inH);
    const totW = Math.max(0, (outW - 1) * sw + (kw - 1) * dw + 1 - inW);
    padT = autoPad === 'SAME_UPPER' ? Math.floor(totH / 2) : Math.ceil(totH / 2);
    padL = autoPad === 'SAME_UPPER' ? Math.floor(totW / 2) : Math.ceil(totW / 2);
  }
  if (cpg * group !== cin) throw new Error(`node '${n.name}' (Conv): input has ${cin} channels, weights expect ${cpg}x${group} groups`);
  return { kind: 'conv', cin, cout, group, kh, kw, sh, sw, dh, dw, padT, padL, inH, inW, outH, outW, K: cpg * kh * kw, P: outH * outW };
}

export function gemmGeometry(m: number, k: number, n: number): LinearGeom {
  return { kind: 'gemm', cin: k, cout: n, group: 1, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, padT: 0, padL: 0, inH: m, inW: 1, outH: m, outW: 1, K: k, P: m };
}

/**
 * im2col for one image and one group: returns cols [K][np] (k-major) for the given output
 * positions (all positions when `positions` is undefined). Padding reads as 0.
 * For gemm the input is [M][K] and cols is its transpose restricted to `positions` rows.
 */
export function im2col(x: ArrayLike<number>, g: LinearGeom, group: number, positions?: Int32Array, out?: Float64Array): Float64Array {
  const np = positions ? positions.length : g.P;
  const cols = out ?? new Float64Array(g.K * np);
  if (g.kind === 'gemm') {
    for (let j = 0; j < np; j++) {
      const m = positions ? positions[j]! : j;
      for (let k = 0; k < g.K; k++) cols[k * np + j] = x[m * g.K + k]!;
    }
    return cols;
  }
  const cpg = g.cin / g.group;
  const hw = g.inH * g.inW;
  let k = 0;
  for (let ci = 0; ci < cpg; ci++) {
    const base = (group * cpg + ci) * hw;
    for (let ky = 0; ky < g.kh; ky++) {
      for (let kx = 0; kx < g.kw; kx++, k++) {
        const row = k * np;
        const offY = ky * g.dh - g.padT;
        const offX = kx * g.dw - g.padL;
        if (!positions) {
          let j = 0;
          for (let oy = 0; oy < g.outH; oy++) {
            const iy = oy * g.sh + offY;
            if (iy < 0 || iy >= g.inH) {
              for (let ox = 0; ox < g.outW; ox++) cols[row + j++] = 0;
              continue;
            }
            const rb = base + iy * g.inW;
            for (let ox = 0; ox < g.outW; ox++) {
              const ix = ox * g.sw + offX;
              cols[row + j++] = ix >= 0 && ix < g.inW ? x[rb + ix]! : 0;
            }
          }
        } else {
          for (let j = 0; j < np; j++) {
            const p = positions[j]!;
            const oy = (p / g.outW) | 0;
            const ox = p - oy * g.outW;
            const iy = oy * g.sh + offY;
            const ix = ox * g.sw + offX;
            cols[row + j] = iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW ? x[base + iy * g.inW + ix]! : 0;
          }
        }
      }
    }
  }
  return cols;
}

/**
 * out[c][j] = sum_k w[c][k] * cols_g(c)[k][j] for all output channels; w is [cout][K].
 * Returns [cout][np] in float64 (exact for integer inputs).
 */
export function linearForward(x: ArrayLike<number>, g: LinearGeom, w: ArrayLike<number>, positions?: Int32Array): Float64Array {
  const np = positions ? positions.length : g.P;
  const out = new Float64Array(g.cout * np);
  const coutPerGroup = g.cout / g.group;
  const cols = new Float64Array(g.K * np);
  for (let gi = 0; gi < g.group; gi++) {
    im2col(x, g, gi, positions, cols);
    for (let c = gi * coutPerGroup; c < (gi + 1) * coutPerGroup; c++) {
      const o = c * np;
      const wb = c * g.K;
      for (let k = 0; k < g.K; k++) {
        const wv = w[wb + k]!;
        if (wv === 0) continue;
        const r = k * np;
        for (let j = 0; j < np; j++) out[o + j]! += wv * cols[r + j]!;
      }
    }
  }
  return out;
}

/** Deterministic uniform sample of `count` output positions out of P (all when count >= P). */
export function samplePositions(P: number, count: number): Int32Array | undefined {
  if (count <= 0 || count >= P) return undefined;
  const pos = new Int32Array(count);
  for (let j = 0; j < count; j++) pos[j] = Math.floor(((j + 0.5) * P) / count);
  return pos;
}
