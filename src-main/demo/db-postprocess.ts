/**
 * DB (Differentiable Binarization) post-processing of a text probability map, as PaddleOCR's
 * DBPostProcess does it for horizontal text: binarize at `thresh`, take the 8-connected
 * components, score each by the mean probability inside its box (dropped below `boxThresh`),
 * and "unclip" the box — DB is trained on shrunk text regions, so the found region is grown
 * back by d = area * unclipRatio / perimeter on every side. Boxes are axis-aligned (our demo
 * text is horizontal; PaddleOCR fits a rotated rectangle, which is the same for level text).
 */
import type { DbParams } from '../contract/demo.js';

export type { DbParams };
import type { Box } from './render-text.js';

/** PaddleOCR's defaults for PP-OCRv4 detection. */
export const DB_DEFAULTS: DbParams = { thresh: 0.3, boxThresh: 0.6, unclipRatio: 1.5, minSize: 3 };

export interface DetectedBox extends Box {
  score: number;
}

/** Binarized map: 1 where prob > thresh (compared in float32, as the map's own precision). */
export function binarize(prob: Float32Array, thresh: number): Uint8Array {
  const t = Math.fround(thresh);
  const m = new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) m[i] = prob[i]! > t ? 1 : 0;
  return m;
}

/** Bounding boxes of the 8-connected components of a binary map (pixel extents). */
export function components(mask: Uint8Array, width: number, height: number): Box[] {
  if (mask.length !== width * height) throw new Error(`mask has ${mask.length} pixels, expected ${width}x${height}`);
  const label = new Int32Array(mask.length).fill(-1);
  const stack: number[] = [];
  const boxes: Box[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || label[start]! >= 0) continue;
    const id = boxes.length;
    const b: Box = { x0: width, y0: height, x1: 0, y1: 0 };
    label[start] = id;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      const y = Math.floor(p / width);
      const x = p - y * width;
      if (x < b.x0) b.x0 = x;
      if (x + 1 > b.x1) b.x1 = x + 1;
      if (y < b.y0) b.y0 = y;
      if (y + 1 > b.y1) b.y1 = y + 1;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = yy * width + xx;
          if (mask[q] && label[q]! < 0) {
            label[q] = id;
            stack.push(q);
          }
        }
      }
    }
    boxes.push(b);
  }
  return boxes;
}

function meanInside(prob: Float32Array, width: number, b: Box): number {
  let s = 0;
  for (let y = b.y0; y < b.y1; y++) for (let x = b.x0; x < b.x1; x++) s += prob[y * width + x]!;
  return s / ((b.x1 - b.x0) * (b.y1 - b.y0));
}

/** Text boxes from a probability map [H, W] (values 0..1), in map pixels. */
export function dbPostprocess(prob: Float32Array, width: number, height: number, params: DbParams = DB_DEFAULTS): DetectedBox[] {
  const out: DetectedBox[] = [];
  for (const c of components(binarize(prob, params.thresh), width, height)) {
    const w = c.x1 - c.x0;
    const h = c.y1 - c.y0;
    if (Math.min(w, h) < params.minSize) continue;
    const score = meanInside(prob, width, c);
    if (score < params.boxThresh) continue;
    const d = (w * h * params.unclipRatio) / (2 * (w + h));
    const box = {
      x0: Math.max(0, Math.round(c.x0 - d)),
      y0: Math.max(0, Math.round(c.y0 - d)),
      x1: Math.min(width, Math.round(c.x1 + d)),
      y1: Math.min(height, Math.round(c.y1 + d)),
    };
    if (Math.min(box.x1 - box.x0, box.y1 - box.y0) < params.minSize + 2) continue;
    out.push({ ...box, score });
  }
  return out;
}
