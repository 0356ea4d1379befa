/**
 * The F-score difference against FP32 and its caveat: pooled F from per-image counts (the
 * DetectionCounter's own figure), a paired bootstrap interval over images that is
 * deterministic, degenerate when both models agree on every image and wide on a few images;
 * the caveat appears only when a quantized config scores above FP32 and says whether its
 * interval includes 0.
 */
import { describe, expect, it } from 'vitest';
import { DetectionCounter, fscoreOf, type DetectionCounts } from '../../src-main/demo/detection-metrics.js';
import { bootstrapFscoreDiff, formatFscoreDiff, fscoreCaveat, type FscoreDiff } from '../../src-main/demo/fscore-diff.js';

const img = (matched: number, predicted: number, reference: number): DetectionCounts => ({ matched, predicted, reference });

describe('F-score difference', () => {
  it('pooled F from per-image counts equals the counter score', () => {
    const c = new DetectionCounter();
    c.add(
      [{ x0: 0, y0: 0, x1: 10, y1: 10 }],
      [
        { x0: 0, y0: 0, x1: 10, y1: 10 },
        { x0: 20, y0: 0, x1: 30, y1: 10 },
      ],
    );
    c.add([{ x0: 50, y0: 50, x1: 60, y1: 60 }], []);
    c.add([], []);
    expect(c.perImage()).toEqual([img(1, 1, 2), img(0, 1, 0), img(0, 0, 0)]);
    const total = c.perImage().reduce((a, x) => ({ matched: a.matched + x.matched, predicted: a.predicted + x.predicted, reference: a.reference + x.reference }));
    expect(fscoreOf(total)).toBeCloseTo(c.score().fscore, 12);
    expect(fscoreOf(img(0, 0, 0))).toBe(1);
    expect(fscoreOf(img(0, 3, 0))).toBe(0);
  });

  it('identical models give a zero difference and a zero-width interval', () => {
    const a = [img(3, 3, 4), img(2, 3, 2), img(1, 1, 1)];
    expect(bootstrapFscoreDiff(a, a)).toMatchObject({ diff: 0, lo: 0, hi: 0, images: 3, level: 0.95, resamples: 2000 });
  });

  it('is deterministic per seed; one better image out of 32 gives an interval that includes 0', () => {
    const fp32 = Array.from({ length: 32 }, () => img(3, 4, 4));
    const quant = fp32.map((x, i) => (i === 7 ? img(4, 4, 4) : x));
    const d = bootstrapFscoreDiff(quant, fp32, { seed: 3 });
    expect(d).toEqual(bootstrapFscoreDiff(quant, fp32, { seed: 3 }));
    expect(d.diff).toBeCloseTo(1 / 128, 12); // 97/128 − 96/128
    expect(d.lo).toBe(0); // resamples without image 7
    expect(d.hi).toBeGreaterThan(d.diff);
    // better on every image: the whole interval is above 0
    const all = bootstrapFscoreDiff(
      fp32.map(() => img(4, 4, 4)),
      fp32,
    );
    expect(all.lo).toBeCloseTo(0.25, 12);
    expect(all.hi).toBeCloseTo(0.25, 12);
  });

  it('rejects mismatched inputs with a specific message', () => {
    expect(() => bootstrapFscoreDiff([img(1, 1, 1)], [])).toThrow(/same non-zero number of images.*got 1 and 0/);
    expect(() => bootstrapFscoreDiff([], [])).toThrow(/got 0 and 0/);
    expect(() => bootstrapFscoreDiff([img(1, 1, 1)], [img(1, 1, 1)], { level: 1 })).toThrow(/level must be in \(0, 1\)/);
  });
});

describe('caveat when a quantized config scores above FP32', () => {
  const d = (diff: number, lo: number, hi: number, images = 32): FscoreDiff => ({ diff, lo, hi, level: 0.95, resamples: 2000, images });

  it('says nothing when the config is not above FP32', () => {
    expect(fscoreCaveat('EQ INT8', d(0, -0.01, 0.01))).toBeNull();
    expect(fscoreCaveat('EQ INT8', d(-0.02, -0.05, 0.01))).toBeNull();
  });

  it('names the images and the 1/N noise floor when the interval includes 0', () => {
    const c = fscoreCaveat('EQ INT8', d(0.022, -0.013, 0.06))!;
    expect(c).toContain('EQ INT8 scores above FP32 (F +0.022, 95% bootstrap interval [−0.013, +0.060] over 32 images)');
    expect(c).toContain('differences under ~1/32 = 0.031 are noise');
  });

  it('does not call it a gain when the interval excludes 0', () => {
    const c = fscoreCaveat('EQ INT7', d(0.059, 0.017, 0.112))!;
    expect(c).toMatch(/interval excludes 0 on these 32 images/);
    expect(c).toMatch(/not a gain/);
    expect(formatFscoreDiff(d(0.059, 0.017, 0.112))).toBe('+0.059 [+0.017, +0.112]');
  });
});
