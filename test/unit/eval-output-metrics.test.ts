/**
 * Task-aware evaluation metrics against hand-computed values: per-output cosine / SQNR / max
 * abs error, NMS, and decoding a detector's scores + boxes as a card's detection spec allows.
 */
import { describe, expect, it } from 'vitest';
import { nms } from '../../src-main/core/eval/box-match.js';
import { decodeDetections, DEFAULT_NMS_IOU, DEFAULT_SCORE_THRESHOLD, detectionDecoderFor } from '../../src-main/core/eval/detection-decode.js';
import { OutputErrorStats, sqnrDb } from '../../src-main/core/eval/output-metrics.js';

describe('per-output error against FP32', () => {
  it('cosine mean/min over images, SQNR over all elements, max abs error', () => {
    const s = new OutputErrorStats();
    // image 1: x·x̂ = 34, |x|² = 30, |x̂|² = 39, noise 1
    s.add('out', [1, 2, 3, 4], [1, 2, 3, 5]);
    // image 2: orthogonal, signal 1, noise 2
    s.add('out', [1, 0, 0, 0], [0, 1, 0, 0]);
    const r = s.summary()['out']!;
    const c1 = 34 / Math.sqrt(30 * 39);
    expect(c1).toBeCloseTo(0.994002, 5);
    expect(r.cosine_mean).toBeCloseTo(c1 / 2, 10);
    expect(r.cosine_min).toBe(0);
    expect(r.sqnr_db!).toBeCloseTo(10 * Math.log10(31 / 3), 10);
    expect(r.sqnr_db!).toBeCloseTo(10.1429, 3);
    expect(r.max_abs_err).toBe(1);
  });

  it('keeps outputs apart; identical outputs have no finite SQNR (null) and error 0', () => {
    const s = new OutputErrorStats();
    s.add('a', [3, -4], [3, -4]);
    s.add('b', [2, 0], [1, 0]);
    const r = s.summary();
    expect(r['a']).toEqual({ cosine_mean: 1, cosine_min: 1, sqnr_db: null, max_abs_err: 0 });
    expect(r['b']!.sqnr_db!).toBeCloseTo(10 * Math.log10(4), 10);
    expect(r['b']!.max_abs_err).toBe(1);
    expect(sqnrDb(100, 1)).toBeCloseTo(20, 12);
    expect(sqnrDb(5, 0)).toBe(Infinity);
  });

  it('a one-value output gets the cosine over all images, not a per-image sign test', () => {
    const s = new OutputErrorStats();
    // a presence score: per image cosine would be 1, 1, 0 (mean 0.667) for a tiny error on image 3
    s.add('flag', [0.9], [0.8]);
    s.add('flag', [0.5], [0.6]);
    s.add('flag', [0.001], [0]);
    const r = s.summary()['flag']!;
    const c = (0.9 * 0.8 + 0.5 * 0.6) / Math.sqrt((0.81 + 0.25 + 1e-6) * (0.64 + 0.36));
    expect(r.cosine_mean).toBeCloseTo(c, 10);
    expect(r.cosine_min).toBeCloseTo(c, 10);
    expect(r.max_abs_err).toBeCloseTo(0.1, 10);
  });

  it('names the output when the engines disagree on its size', () => {
    expect(() => new OutputErrorStats().add('boxes', [1, 2], [1])).toThrow(/output 'boxes': the quantized engine gave 1 values, the FP32 reference 2/);
  });
});

describe('detections', () => {
  it('NMS keeps the best box and drops overlaps above the IoU limit', () => {
    const a = { x0: 0, y0: 0, x1: 2, y1: 2, score: 0.9 };
    const b = { x0: 1.2, y0: 0, x1: 3.2, y1: 2, score: 0.8 }; // IoU with a: 1.6 / 6.4 = 0.25
    const c = { x0: 5, y0: 5, x1: 6, y1: 6, score: 0.95 };
    expect(nms([b, a, c], 0.3)).toEqual([c, a, b]);
    expect(nms([b, a, c], 0.2)).toEqual([c, a]);
  });

  it('decodes [N, 2] scores (column 1 = foreground) and x1,y1,x2,y2 boxes: threshold, then NMS', () => {
    const scores = [0.1, 0.9, 0.2, 0.8, 0.5, 0.5, 0.05, 0.95];
    const boxes = [0, 0, 1, 1, 0, 0, 1, 0.9, 0, 0, 0.5, 0.5, 0.6, 0.6, 0.9, 0.9];
    // box 1 overlaps box 0 (IoU 0.9) and is suppressed; box 2 scores 0.5 < 0.7
    expect(decodeDetections(scores, boxes, 2, 0.7, 0.3)).toEqual([
      { x0: 0.6, y0: 0.6, x1: 0.9, y1: 0.9, score: 0.95 },
      { x0: 0, y0: 0, x1: 1, y1: 1, score: 0.9 },
    ]);
    expect(() => decodeDetections(scores, boxes, 3, 0.7, 0.3)).toThrow(/8 scores for 4 boxes of 3 class/);
  });

  const outs = [
    { name: 'scores', dims: [1, 4420, 2] },
    { name: 'boxes', dims: [1, 4420, 4] },
  ];

  it("takes the threshold and NMS IoU from the card's note (ultraface), else defaults", () => {
    const note = 'boxes are normalised x1,y1,x2,y2; score[:,1] is the face probability; decode with threshold 0.7 and NMS IoU 0.3';
    expect(detectionDecoderFor({ scores: [1, 4420, 2], boxes: [1, 4420, 4], note }, [...outs].reverse())).toEqual({
      scoresOutput: 'scores',
      boxesOutput: 'boxes',
      scoreThreshold: 0.7,
      nmsIoU: 0.3,
      source: "the card's output note",
    });
    const d = detectionDecoderFor({ scores: [1, 4420, 2], boxes: [1, 4420, 4] }, outs);
    expect(d).toMatchObject({ scoreThreshold: DEFAULT_SCORE_THRESHOLD, nmsIoU: DEFAULT_NMS_IOU });
    expect(typeof d === 'object' && d.source).toMatch(/^defaults/);
  });

  it("says why when the card's shapes do not match the model's outputs", () => {
    expect(detectionDecoderFor({ scores: [1, 100, 2], boxes: [1, 100, 4] }, outs)).toBe(
      "the card's detection output (scores [1x100x2], boxes [1x100x4]) does not match the model's outputs scores [1x4420x2], boxes [1x4420x4]",
    );
    expect(detectionDecoderFor({ scores: [1, 4420, 2], boxes: [1, 4420, 2] }, [outs[0]!, { name: 'b', dims: [1, 4420, 2] }])).toMatch(
      /expected scores \[1, N, C\] and boxes \[1, N, 4\]/,
    );
  });
});
