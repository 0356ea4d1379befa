/**
 * Lp-norm-optimal clipping (LAPQ's start, Nahshan et al.): the clip c of a symmetric quantizer
 * with levels k*c/qmax (|k| <= qmax) that minimises E|x − Q(x)|^p.
 *
 * The error is computed on a histogram of |x|, with the values of a bin spread uniformly over
 * it: the rounding error below c and the clipping error (|x| − c)^p above it are integrated
 * exactly over each bin, so the error is a smooth function of c (a bin-centre sum would jump
 * as levels cross bin centres). The search: a log-spaced grid down to max/1024, then
 * golden-section between the best grid point's neighbours.
 */
import { maxAbsWeightScales, DEAD_WEIGHT_MAX } from './calibrator.js';
import { AbsHistogram } from './histogram.js';

/** The p candidates of the paper; one is chosen for the whole network by its output loss. */
export const LP_CANDIDATES = [2, 2.5, 3, 3.5, 4] as const;

/** Bins of a weight channel's histogram (at most; a small channel gets one bin per weight). */
const WEIGHT_BINS = 128;
const GRID = 41; // clips max * 2^(-j/4), j = 0..40
const GOLDEN_ITERS = 30;

/** ∫_0^v r(u)^p du, r(u) = distance from u to the nearest multiple of d. */
function roundingIntegral(v: number, d: number, p: number): number {
  const half = d / 2;
  const period = (2 * half ** (p + 1)) / (p + 1);
  const k = Math.floor(v / d);
  const u = v - k * d;
  const part = u <= half ? u ** (p + 1) / (p + 1) : period - (d - u) ** (p + 1) / (p + 1);
  return k * period + part;
}

/**
 * Σ over the histogram of |x − Q(x)|^p at clip c (each bin's count spread over the bin),
 * i.e. the Lp error times the number of values.
 */
export function lpError(h: Pick<AbsHistogram, 'counts' | 'max' | 'bins'>, clip: number, qmax: number, p: number): number {
  if (!(clip > 0)) throw new Error(`lpError: clip must be > 0 (got ${clip})`);
  const d = clip / qmax;
  const w = h.max / h.bins;
  let err = 0;
  let gLo = 0; // integral up to the bin's lower edge (below the clip)
  for (let b = 0; b < h.bins; b++) {
    const lo = b * w;
    const hi = lo + w;
    const c = h.counts[b]!;
    if (lo >= clip) {
      if (c > 0) err += (c * ((hi - clip) ** (p + 1) - (lo - clip) ** (p + 1))) / ((p + 1) * w);
      continue;
    }
    const top = Math.min(hi, clip);
    const gHi = roundingIntegral(top, d, p);
    if (c > 0) {
      let e = gHi - gLo;
      if (hi > clip) e += (hi - clip) ** (p + 1) / (p + 1);
      err += (c * e) / w;
    }
    gLo = gHi;
  }
  return err;
}

/** The clip (in (0, h.max]) minimising lpError; h.max when the histogram is empty. */
export function lpClip(h: Pick<AbsHistogram, 'counts' | 'max' | 'bins'>, qmax: number, p: number): number {
  if (!(h.max > 0)) return 0;
  let total = 0;
  for (const c of h.counts) total += c;
  if (total === 0) return h.max;
  const f = (c: number) => lpError(h, c, qmax, p);
  const grid = Array.from({ length: GRID }, (_, j) => h.max * 2 ** (-j / 4));
  const vals = grid.map(f);
  let best = 0;
  for (let j = 1; j < GRID; j++) if (vals[j]! < vals[best]!) best = j;
  // golden section between the neighbours (grid is descending: j-1 is the larger clip)
  let a = grid[Math.min(best + 1, GRID - 1)]!;
  let b = grid[Math.max(best - 1, 0)]!;
  const r = (Math.sqrt(5) - 1) / 2;
  let x1 = b - r * (b - a);
  let x2 = a + r * (b - a);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let i = 0; i < GOLDEN_ITERS; i++) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - r * (b - a);
      f1 = f(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + r * (b - a);
      f2 = f(x2);
    }
  }
  const [xg, fg] = f1 <= f2 ? [x1, f1] : [x2, f2];
  return fg < vals[best]! ? xg : grid[best]!;
}

/**
 * Per-output-channel weight scales qmax / c with c the channel's Lp-optimal clip. Dead
 * channels get maxAbsWeightScales' stand-in.
 */
export function lpWeightScales(wRows: Float32Array, cout: number, K: number, qmax: number, p: number): Float64Array {
  const s = maxAbsWeightScales(wRows, cout, K, qmax);
  for (let c = 0; c < cout; c++) {
    const row = wRows.subarray(c * K, (c + 1) * K);
    let m = 0;
    for (const v of row) m = Math.max(m, Math.abs(v));
    if (!(m >= DEAD_WEIGHT_MAX)) continue;
    const h = new AbsHistogram(m, Math.min(WEIGHT_BINS, K));
    h.add(row);
    const clip = lpClip(h, qmax, p);
    if (clip > 0) s[c] = qmax / clip;
  }
  return s;
}
