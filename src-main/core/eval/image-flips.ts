/**
 * Per-image predictions of a quantized engine next to FP32, and the images worth a look: those
 * whose top-1 class flipped (classifiers), or those whose output drifted most (any model).
 */

export interface ImagePrediction {
  /** index in the dataset (calibration images included) */
  index: number;
  id: string;
  label: number | null;
  /** FP32 top-1 class and its probability (null without a reference run) */
  refClass: number | null;
  refProb: number | null;
  qClass: number;
  qProb: number;
  /** the lowest cosine, over the graph outputs, of the quantized output against FP32 */
  cosine: number | null;
}

/** Top-1 class of `scores[offset..]` and its probability: the value itself when the scores already are a distribution, else their softmax. */
export function top1WithProb(scores: ArrayLike<number>, offset = 0): { cls: number; prob: number } {
  let best = offset;
  let sum = 0;
  let inUnit = true;
  for (let i = offset; i < scores.length; i++) {
    const v = scores[i]!;
    if (v > scores[best]!) best = i;
    sum += v;
    if (!(v >= 0 && v <= 1)) inUnit = false;
  }
  if (best >= scores.length) throw new Error(`top-1: no class scores after offset ${offset} (output has ${scores.length} values)`);
  const max = scores[best]!;
  if (inUnit && Math.abs(sum - 1) < 1e-3) return { cls: best - offset, prob: max };
  let z = 0;
  for (let i = offset; i < scores.length; i++) z += Math.exp(scores[i]! - max);
  return { cls: best - offset, prob: 1 / z };
}

/** Images whose quantized top-1 differs from FP32's, most confident FP32 first (ties: dataset order). */
export function flippedImages<T extends Pick<ImagePrediction, 'index' | 'refClass' | 'refProb' | 'qClass'>>(images: T[]): T[] {
  return images.filter((p) => p.refClass !== null && p.refClass !== p.qClass).sort((a, b) => (b.refProb ?? 0) - (a.refProb ?? 0) || a.index - b.index);
}

/** The `n` images with the lowest output cosine against FP32 (non-classifiers), worst first. */
export function lowestCosine<T extends Pick<ImagePrediction, 'index' | 'cosine'>>(images: T[], n: number): T[] {
  return images
    .filter((p) => p.cosine !== null)
    .sort((a, b) => a.cosine! - b.cosine! || a.index - b.index)
    .slice(0, n);
}
