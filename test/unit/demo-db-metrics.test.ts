/**
 * DB post-processing and the detection metrics on synthetic probability maps with known
 * answers: component boxes, the unclip distance, score and size filters, 8-connectivity,
 * DB's shrink followed by our unclip giving back the original box, one-to-one matching at
 * IoU 0.5, set-level precision/recall/F, and the binarized-map overlap.
 */
import { describe, expect, it } from 'vitest';
import { binarize, components, DB_DEFAULTS, dbPostprocess } from '../../src-main/demo/db-postprocess.js';
import { boxIoU, DetectionCounter, maskOverlap, matchBoxes } from '../../src-main/demo/detection-metrics.js';
import type { Box } from '../../src-main/demo/render-text.js';

function map(w: number, h: number, rects: { b: Box; p: number }[]): Float32Array {
  const m = new Float32Array(w * h);
  for (const { b, p } of rects) for (let y = b.y0; y < b.y1; y++) for (let x = b.x0; x < b.x1; x++) m[y * w + x] = p;
  return m;
}

describe('DB post-processing', () => {
  it('finds each region, grows it by area*1.5/perimeter, and drops weak and tiny regions', () => {
    const W = 120;
    const H = 60;
    const prob = map(W, H, [
      { b: { x0: 10, y0: 10, x1: 50, y1: 20 }, p: 0.9 }, // 40x10: d = 400*1.5/100 = 6
      { b: { x0: 60, y0: 30, x1: 100, y1: 50 }, p: 0.8 }, // 40x20: d = 800*1.5/120 = 10
      { b: { x0: 5, y0: 40, x1: 30, y1: 50 }, p: 0.5 }, // above thresh 0.3, below box thresh 0.6
      { b: { x0: 110, y0: 5, x1: 112, y1: 20 }, p: 0.95 }, // 2 px wide: under min size 3
    ]);
    const boxes = dbPostprocess(prob, W, H);
    expect(boxes.map(({ x0, y0, x1, y1 }) => [x0, y0, x1, y1])).toEqual([
      [4, 4, 56, 26],
      [50, 20, 110, 60],
    ]);
    expect(boxes[0]!.score).toBeCloseTo(0.9, 6);
    expect(boxes[1]!.score).toBeCloseTo(0.8, 6);
    // a lower box threshold keeps the weak region
    expect(dbPostprocess(prob, W, H, { ...DB_DEFAULTS, boxThresh: 0.4 })).toHaveLength(3);
  });

  it('components are 8-connected and their boxes are pixel extents', () => {
    const W = 8;
    const H = 6;
    const m = new Uint8Array(W * H);
    const set = (x: number, y: number) => (m[y * W + x] = 1);
    set(1, 1);
    set(2, 2); // diagonal neighbour: same component
    set(3, 3);
    set(6, 0);
    set(6, 1);
    set(7, 5);
    const c = components(m, W, H);
    expect(c).toEqual([
      { x0: 6, y0: 0, x1: 7, y1: 2 },
      { x0: 1, y0: 1, x1: 4, y1: 4 },
      { x0: 7, y0: 5, x1: 8, y1: 6 },
    ]);
    expect(() => components(m, W + 1, H)).toThrow(/expected 9x6/);
  });

  it("grows a region shrunk as in DB's training targets back towards the original box", () => {
    // DB shrinks a w x h text box by D = area * (1 - 0.4^2) / perimeter for its probability target
    const W = 200;
    const H = 80;
    for (const [w, h] of [
      [120, 20],
      [60, 30],
      [150, 14],
    ] as const) {
      const gt: Box = { x0: 20, y0: 20, x1: 20 + w, y1: 20 + h };
      const D = (w * h * (1 - 0.16)) / (2 * (w + h));
      const shrunk: Box = { x0: Math.round(gt.x0 + D), y0: Math.round(gt.y0 + D), x1: Math.round(gt.x1 - D), y1: Math.round(gt.y1 - D) };
      const [b] = dbPostprocess(map(W, H, [{ b: shrunk, p: 0.9 }]), W, H);
      // unclip (ratio 1.5) restores most of the shrink, not all of it for thin lines (as in DB)
      expect(boxIoU(b!, gt), `${w}x${h}`).toBeGreaterThan(Math.max(0.6, boxIoU(shrunk, gt) + 0.2));
      expect(b!.x0 <= shrunk.x0 && b!.y0 <= shrunk.y0 && b!.x1 >= shrunk.x1 && b!.y1 >= shrunk.y1).toBe(true);
    }
  });
});

describe('detection metrics', () => {
  it('IoU of boxes', () => {
    expect(boxIoU({ x0: 0, y0: 0, x1: 10, y1: 10 }, { x0: 0, y0: 0, x1: 10, y1: 10 })).toBe(1);
    expect(boxIoU({ x0: 0, y0: 0, x1: 10, y1: 10 }, { x0: 5, y0: 0, x1: 15, y1: 10 })).toBeCloseTo(50 / 150, 12);
    expect(boxIoU({ x0: 0, y0: 0, x1: 10, y1: 10 }, { x0: 10, y0: 0, x1: 20, y1: 10 })).toBe(0);
  });

  it('matches one to one at IoU >= 0.5, best pairs first', () => {
    const gt: Box[] = [
      { x0: 0, y0: 0, x1: 100, y1: 20 },
      { x0: 0, y0: 40, x1: 100, y1: 60 },
    ];
    // two predictions on the first line (one good, one split half), one miss, one false alarm
    const pred: Box[] = [
      { x0: 0, y0: 0, x1: 50, y1: 20 }, // IoU 0.5 with gt0
      { x0: 2, y0: 1, x1: 98, y1: 19 }, // IoU ~0.91 with gt0: wins
      { x0: 0, y0: 100, x1: 50, y1: 120 }, // nothing
    ];
    expect(matchBoxes(pred, gt)).toBe(1);
    expect(matchBoxes([pred[0]!], gt)).toBe(1); // IoU exactly 0.5 counts
    expect(matchBoxes([{ x0: 0, y0: 0, x1: 49, y1: 20 }], gt)).toBe(0);
    const c = new DetectionCounter();
    c.add(pred, gt);
    c.add([{ x0: 10, y0: 10, x1: 30, y1: 30 }], [{ x0: 10, y0: 10, x1: 30, y1: 30 }]);
    const s = c.score();
    expect([s.matched, s.predicted, s.reference]).toEqual([2, 4, 3]);
    expect(s.precision).toBe(0.5);
    expect(s.recall).toBeCloseTo(2 / 3, 12);
    expect(s.fscore).toBeCloseTo((2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3), 12);
    expect(new DetectionCounter().score().fscore).toBe(1);
    const none = new DetectionCounter();
    none.add([], gt);
    expect(none.score().fscore).toBe(0);
  });

  it('binarized map overlap', () => {
    const a = binarize(Float32Array.of(0.1, 0.31, 0.9, 0.3, 0.5), 0.3);
    expect([...a]).toEqual([0, 1, 1, 0, 1]);
    const b = binarize(Float32Array.of(0.5, 0.2, 0.9, 0.3, 0.5), 0.3);
    expect(maskOverlap(a, b)).toEqual({ inter: 2, union: 4 });
    expect(() => maskOverlap(a, new Uint8Array(3))).toThrow(/differ in size/);
  });
});
