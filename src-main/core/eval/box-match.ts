/**
 * Box matching: one-to-one matching of predicted and reference boxes at IoU >= 0.5 (greedy by
 * descending IoU, as the ICDAR-style protocols do for axis-aligned boxes), counted over a whole
 * set, and greedy non-maximum suppression. Used by `easyquant eval` (quantized vs FP32 boxes)
 * and by the demo (detector vs ground truth).
 */

/** An axis-aligned box, corners (x0, y0) top-left and (x1, y1) bottom-right. */
import type { DetectionScore } from '../../contract/demo.js';

export type { DetectionScore };
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export const MATCH_IOU = 0.5;

export function boxIoU(a: Box, b: Box): number {
  const iw = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const ih = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
  return inter / union;
}

/** Number of one-to-one matches with IoU >= minIoU. */
export function matchBoxes(pred: readonly Box[], ref: readonly Box[], minIoU = MATCH_IOU): number {
  const pairs: { i: number; j: number; iou: number }[] = [];
  pred.forEach((p, i) =>
    ref.forEach((g, j) => {
      const iou = boxIoU(p, g);
      if (iou >= minIoU) pairs.push({ i, j, iou });
    }),
  );
  pairs.sort((a, b) => b.iou - a.iou || a.i - b.i || a.j - b.j);
  const usedP = new Set<number>();
  const usedG = new Set<number>();
  let n = 0;
  for (const { i, j } of pairs) {
    if (usedP.has(i) || usedG.has(j)) continue;
    usedP.add(i);
    usedG.add(j);
    n++;
  }
  return n;
}

export interface ScoredBox extends Box {
  score: number;
}

/** Greedy NMS: keep the highest-scoring box, drop the others overlapping it with IoU > maxIoU, repeat. */
export function nms<B extends ScoredBox>(boxes: readonly B[], maxIoU: number): B[] {
  const order = [...boxes].sort((a, b) => b.score - a.score);
  const keep: B[] = [];
  for (const b of order) if (keep.every((k) => boxIoU(k, b) <= maxIoU)) keep.push(b);
  return keep;
}

/** Counts of one image (or of a set, summed). */
export interface DetectionCounts {
  matched: number;
  predicted: number;
  reference: number;
}

/** F-score of pooled counts (an empty side scores 1 only if both are empty). */
export function fscoreOf(c: DetectionCounts): number {
  if (c.predicted + c.reference === 0) return 1;
  return (2 * c.matched) / (c.predicted + c.reference);
}

/** Accumulates matches over images; precision/recall/F over the set (an empty side scores 1 only if both are empty). */
export class DetectionCounter {
  private matched = 0;
  private predicted = 0;
  private reference = 0;
  private readonly images: DetectionCounts[] = [];

  constructor(private readonly minIoU = MATCH_IOU) {}

  add(pred: readonly Box[], ref: readonly Box[]): void {
    const c = { matched: matchBoxes(pred, ref, this.minIoU), predicted: pred.length, reference: ref.length };
    this.images.push(c);
    this.matched += c.matched;
    this.predicted += c.predicted;
    this.reference += c.reference;
  }

  /** The counts of each image, in the order added (for resampling). */
  perImage(): readonly DetectionCounts[] {
    return this.images;
  }

  score(): DetectionScore {
    const { matched, predicted, reference } = this;
    const precision = predicted === 0 ? (reference === 0 ? 1 : 0) : matched / predicted;
    const recall = reference === 0 ? (predicted === 0 ? 1 : 0) : matched / reference;
    const fscore = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { matched, predicted, reference, precision, recall, fscore };
  }
}
