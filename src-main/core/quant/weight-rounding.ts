/**
 * Weight rounding beyond round-to-nearest (AdaRound, Nagel et al. 2020, solved greedily): each
 * weight may take the other of floor/ceil of w·s. Per output channel the rounding minimises the
 * layer's reconstruction error on the calibration inputs x̂ of the already-quantized network,
 *   ‖W x − Ŵ x̂‖² = eᵀHe − 2gᵀe + const,  e = Ŵ − W,  H = Σ x̂x̂ᵀ,  g = Σ x̂ (W x − W x̂),
 * by coordinate descent from the nearest rounding (flip a weight when it lowers the error; a
 * flipped weight may flip back). Channels are independent, and channels of one group share H.
 *
 * The result is a bitmask over the [cout][K] weight rows (bit set: the other rounding), carried
 * per layer in the scale table as `weightRoundFlip` (base64), so every engine and export
 * quantizes the same integer weights (`roundedWeight`).
 */
import { rne } from './rounding.js';
import { im2col, type LinearGeom } from './linear-geom.js';
import type { LayerScales } from './scale-table.js';
import { gridScale } from './unsigned-acts.js';

const f32 = Math.fround;

/** clip(rne(v) [± 1 towards v's other neighbour when `flip`], -qmax, qmax), v = f32(w·s). */
export function roundedWeight(w: number, s: number, qmax: number, flip: boolean): number {
  const v = f32(w * s);
  let q = rne(v);
  if (flip) q += v > q ? 1 : v < q ? -1 : 0;
  return q > qmax ? qmax : q < -qmax ? -qmax : q;
}

export function flipBit(mask: Uint8Array, i: number): boolean {
  return ((mask[i >> 3]! >> (i & 7)) & 1) === 1;
}

/** The mask of a layer with `n` weights, decoded and checked (where: for the error message). */
export function decodeFlips(b64: string, n: number, where: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(b64);
  } catch {
    throw new Error(`${where}: weight_round_flip is not valid base64`);
  }
  if (bin.length !== Math.ceil(n / 8)) throw new Error(`${where}: weight_round_flip has ${bin.length} bytes, the layer's ${n} weights need ${Math.ceil(n / 8)}`);
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

/** The rounding mask a table layer carries for a layer with cout·K weights (undefined: nearest). */
export function layerFlips(ls: LayerScales, cout: number, K: number): Uint8Array | undefined {
  return ls.weightRoundFlip === undefined ? undefined : decodeFlips(ls.weightRoundFlip, cout * K, `scale table layer '${ls.name}'`);
}

export function encodeFlips(mask: Uint8Array): string {
  let s = '';
  for (let i = 0; i < mask.length; i += 0x8000) s += String.fromCharCode(...mask.subarray(i, i + 0x8000));
  return btoa(s);
}

export interface RoundingInputs {
  /** per calibration image: the layer's input from the quantized network (FP32 values, before input quantization) */
  xs: readonly Float32Array[];
  aScale: number;
  /** the input is on the unsigned grid: u = clip(rne(x * 2S), 0, 2 qmax) (quant/unsigned-acts.ts) */
  unsigned?: boolean;
  /** sampled output positions (undefined: all) */
  positions: Int32Array | undefined;
  /** per image [cout][np] FP32 pre-activation outputs at `positions` (the target); undefined: W x̂ */
  ref?: readonly Float32Array[];
}

export interface RoundingResult {
  flips: Uint8Array;
  /** number of weights flipped away from nearest */
  flipped: number;
  /** reconstruction error (sum over channels) with nearest and with the optimised rounding */
  errNearest: number;
  errOptimised: number;
}

/** Below this many (image, position) samples per fan-in weight the layer keeps nearest rounding (too few to fit). */
export const MIN_SAMPLES_PER_WEIGHT = 2;
/** damping of H, relative to its mean diagonal */
const DAMPING = 0.1;

/**
 * Optimised rounding of one layer (geometry `g`, FP32 rows [cout][K], per-channel scales, bias
 * for the target residual). Returns undefined when there are too few samples to fit.
 */
export function optimiseRounding(
  g: LinearGeom,
  wRows: Float32Array,
  bias: Float32Array,
  scales: ArrayLike<number>,
  qmax: number,
  inp: RoundingInputs,
  maxSweeps = 8,
): RoundingResult | undefined {
  const { cout, K } = g;
  const np = inp.positions ? inp.positions.length : g.P;
  const N = np * inp.xs.length;
  if (N < MIN_SAMPLES_PER_WEIGHT * K) return undefined;
  const sa = gridScale(inp.aScale, inp.unsigned === true);
  const inv = 1 / sa;
  const lo = inp.unsigned ? 0 : -qmax;
  const hi = inp.unsigned ? 2 * qmax : qmax;
  const flips = new Uint8Array(Math.ceil((cout * K) / 8));
  const xq = new Float64Array(inp.xs[0]?.length ?? 0);
  const cols = new Float64Array(K * N);
  const tmp = new Float64Array(K * np);
  const H = new Float64Array(K * K);
  const e = new Float64Array(K);
  const d = new Float64Array(K);
  const u = new Float64Array(K);
  const r = new Float64Array(N);
  let flipped = 0;
  let errNearest = 0;
  let errOptimised = 0;
  const cpg = cout / g.group;
  for (let gi = 0; gi < g.group; gi++) {
    // x̂ as [K][N] rows (image-major within a row)
    inp.xs.forEach((x, i) => {
      for (let t = 0; t < x.length; t++) {
        const q = rne(f32(x[t]! * sa));
        xq[t] = (q > hi ? hi : q < lo ? lo : q) * inv;
      }
      im2col(xq, g, gi, inp.positions, tmp);
      for (let k = 0; k < K; k++) cols.set(tmp.subarray(k * np, (k + 1) * np), k * N + i * np);
    });
    let trace = 0;
    for (let a = 0; a < K; a++) {
      const ra = a * N;
      for (let b = a; b < K; b++) {
        const rb = b * N;
        let s = 0;
        for (let j = 0; j < N; j++) s += cols[ra + j]! * cols[rb + j]!;
        H[a * K + b] = s;
        H[b * K + a] = s;
      }
      trace += H[a * K + a]!;
    }
    // damping (a penalty on moving away from nearest): flips that barely help on the calibration
    // samples stay nearest; 0.1 gave SqueezeNet INT7 the best held-out agreement of 1e-3 and 0.1
    const damp = (DAMPING * trace) / K;
    for (let c = gi * cpg; c < (gi + 1) * cpg; c++) {
      const s = f32(scales[c]!);
      const wb = c * K;
      for (let k = 0; k < K; k++) {
        const w = wRows[wb + k]!;
        const q0 = roundedWeight(w, s, qmax, false);
        const q1 = roundedWeight(w, s, qmax, true);
        e[k] = q0 / s - w;
        d[k] = (q1 - q0) / s;
      }
      // u = (H + damp·I) e − g, with g = Σ x̂ (W x − W x̂) when the FP32 target is given
      r.fill(0);
      if (inp.ref) {
        const bc = bias[c]!;
        inp.ref.forEach((ref, i) => {
          for (let j = 0; j < np; j++) r[i * np + j] = ref[c * np + j]! - bc;
        });
        for (let k = 0; k < K; k++) {
          const w = wRows[wb + k]!;
          if (w === 0) continue;
          const rk = k * N;
          for (let j = 0; j < N; j++) r[j]! -= w * cols[rk + j]!;
        }
      }
      let f = 0;
      for (let a = 0; a < K; a++) {
        let s2 = damp * e[a]!;
        const ha = a * K;
        for (let b = 0; b < K; b++) s2 += H[ha + b]! * e[b]!;
        let ga = 0;
        if (inp.ref) {
          const ra = a * N;
          for (let j = 0; j < N; j++) ga += cols[ra + j]! * r[j]!;
        }
        u[a] = s2 - ga;
        f += e[a]! * (s2 - 2 * ga);
      }
      errNearest += f;
      for (let sweep = 0; sweep < maxSweeps; sweep++) {
        let changed = 0;
        for (let k = 0; k < K; k++) {
          const dk = d[k]!;
          if (dk === 0) continue;
          const delta = 2 * dk * u[k]! + dk * dk * (H[k * K + k]! + damp);
          if (delta >= -1e-12 * (Math.abs(f) + 1e-30)) continue;
          f += delta;
          e[k]! += dk;
          const hk = k * K;
          for (let b = 0; b < K; b++) u[b]! += dk * H[hk + b]!;
          u[k]! += dk * damp;
          d[k] = -dk;
          const bit = wb + k;
          flips[bit >> 3]! ^= 1 << (bit & 7);
          changed++;
        }
        if (changed === 0) break;
      }
      errOptimised += f;
    }
  }
  for (let i = 0; i < cout * K; i++) if (flipBit(flips, i)) flipped++;
  return { flips, flipped, errNearest, errOptimised };
}
