/**
 * How far to trust an F-score difference between a quantized model and FP32 on a small set:
 * a paired bootstrap over images (resample the images with replacement, recompute both pooled
 * F-scores on the same sample, take the percentiles of the difference), and the caveat the
 * demo prints when a quantized model scores above FP32.
 */
import type { FscoreDiff } from '../contract/demo.js';

export type { FscoreDiff };
import { mulberry32 } from '../core/synth/rng.js';
import { fscoreOf, type DetectionCounts } from './detection-metrics.js';

const sum = (cs: readonly DetectionCounts[], idx: readonly number[]): DetectionCounts => {
  const t = { matched: 0, predicted: 0, reference: 0 };
  for (const i of idx) {
    t.matched += cs[i]!.matched;
    t.predicted += cs[i]!.predicted;
    t.reference += cs[i]!.reference;
  }
  return t;
};

/** Paired bootstrap of F(quant) − F(fp32); `quant[i]` and `fp32[i]` are the same image. Deterministic for a seed. */
export function bootstrapFscoreDiff(
  quant: readonly DetectionCounts[],
  fp32: readonly DetectionCounts[],
  o: { resamples?: number; level?: number; seed?: number } = {},
): FscoreDiff {
  const { resamples = 2000, level = 0.95, seed = 1 } = o;
  const n = quant.length;
  if (n === 0 || fp32.length !== n) throw new Error(`F-score bootstrap: need the same non-zero number of images for both models (got ${n} and ${fp32.length})`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new Error(`F-score bootstrap: resamples must be an integer >= 1 (got ${resamples})`);
  if (!(level > 0 && level < 1)) throw new Error(`F-score bootstrap: level must be in (0, 1) (got ${level})`);
  const all = [...Array(n).keys()];
  const diff = fscoreOf(sum(quant, all)) - fscoreOf(sum(fp32, all));
  const rng = mulberry32(seed);
  const d = new Float64Array(resamples);
  const idx = new Array<number>(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) idx[i] = Math.floor(rng() * n);
    d[b] = fscoreOf(sum(quant, idx)) - fscoreOf(sum(fp32, idx));
  }
  d.sort();
  const tail = (1 - level) / 2;
  const at = (q: number) => d[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))]!;
  return { diff, lo: at(tail), hi: at(1 - tail), level, resamples, images: n };
}

const f3 = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;

/** The difference with its interval, e.g. "+0.060 [−0.012, +0.131]". */
export function formatFscoreDiff(d: FscoreDiff): string {
  return `${f3(d.diff)} [${f3(d.lo)}, ${f3(d.hi)}]`;
}

/** A note when a quantized config scores above FP32 (null otherwise). */
export function fscoreCaveat(config: string, d: FscoreDiff): string | null {
  if (!(d.diff > 0)) return null;
  const pct = Math.round(d.level * 100);
  const head = `${config} scores above FP32 (F ${f3(d.diff)}, ${pct}% bootstrap interval [${f3(d.lo)}, ${f3(d.hi)}] over ${d.images} image${d.images === 1 ? '' : 's'})`;
  const tail =
    d.lo <= 0
      ? `the interval includes 0: with ${d.images} images, differences under ~1/${d.images} = ${(1 / d.images).toFixed(3)} are noise`
      : `the interval excludes 0 on these ${d.images} images, but quantization is not expected to improve a detector: read it as a property of this small synthetic set and its metric (docs/demo.md), not a gain`;
  return `${head}: ${tail}`;
}
