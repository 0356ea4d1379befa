/**
 * Detection accuracy for the demo: box matching (shared with `easyquant eval`, in
 * core/eval/box-match.ts) and pixel agreement of two binarized maps (intersection over union).
 */
export { boxIoU, DetectionCounter, fscoreOf, MATCH_IOU, matchBoxes, type DetectionCounts, type DetectionScore } from '../core/eval/box-match.js';

/** Intersection and union of two binary maps of the same size. */
export function maskOverlap(a: Uint8Array, b: Uint8Array): { inter: number; union: number } {
  if (a.length !== b.length) throw new Error(`maps differ in size (${a.length} vs ${b.length} pixels)`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i]! & b[i]!;
    union += a[i]! | b[i]!;
  }
  return { inter, union };
}
