/**
 * The demo's text renderer: seeded and deterministic, separate sets per seed, and ground-truth
 * boxes that are exactly where the text is — every pixel the text changes lies in a box, and
 * each box is the tight extent of the changes inside it (checked against the same image
 * rendered without its text).
 */
import { describe, expect, it } from 'vitest';
import { detectorInput } from '../../src-main/demo/ppocr-det.js';
import { renderTextImage, renderTextSet, type Box } from '../../src-main/demo/render-text.js';

const W = 256;
const H = 128;

/** Largest per-channel difference of two RGB pixels. */
function diffAt(a: Uint8Array, b: Uint8Array, p: number): number {
  return Math.max(Math.abs(a[p * 3]! - b[p * 3]!), Math.abs(a[p * 3 + 1]! - b[p * 3 + 1]!), Math.abs(a[p * 3 + 2]! - b[p * 3 + 2]!));
}

const inside = (b: Box, x: number, y: number, margin = 0) => x >= b.x0 - margin && x < b.x1 + margin && y >= b.y0 - margin && y < b.y1 + margin;

describe('demo text renderer', () => {
  it('is deterministic per seed and index, and different seeds give different sets', async () => {
    const a = await renderTextImage({ width: W, height: H, seed: 7, index: 3 });
    const b = await renderTextImage({ width: W, height: H, seed: 7, index: 3 });
    expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
    expect(b.boxes).toEqual(a.boxes);
    const c = await renderTextImage({ width: W, height: H, seed: 8, index: 3 });
    expect(Buffer.from(a.rgb).equals(Buffer.from(c.rgb))).toBe(false);
    const calib = await renderTextSet(1, 3, W, H);
    const evalSet = await renderTextSet(2, 3, W, H);
    for (const x of calib) for (const y of evalSet) expect(Buffer.from(x.rgb).equals(Buffer.from(y.rgb))).toBe(false);
  });

  it('boxes are inside the image, disjoint, and are the tight extent of the rendered text', async () => {
    let lines = 0;
    for (let index = 0; index < 8; index++) {
      const img = await renderTextImage({ width: W, height: H, seed: 11, index });
      const bare = await renderTextImage({ width: W, height: H, seed: 11, index, drawText: false });
      expect(img.boxes.length).toBeGreaterThan(0);
      lines += img.boxes.length;
      for (const [i, b] of img.boxes.entries()) {
        expect(b.text.length).toBeGreaterThan(0);
        expect(b.x0).toBeGreaterThanOrEqual(0);
        expect(b.y0).toBeGreaterThanOrEqual(0);
        expect(b.x1).toBeLessThanOrEqual(W);
        expect(b.y1).toBeLessThanOrEqual(H);
        expect(b.x1 - b.x0).toBeGreaterThan(3);
        expect(b.y1 - b.y0).toBeGreaterThan(3);
        for (const o of img.boxes.slice(i + 1)) expect(b.y1 <= o.y0 || o.y1 <= b.y0 || b.x1 <= o.x0 || o.x1 <= b.x0).toBe(true);
      }
      // strong changes (text strokes) only inside the boxes (1 px of anti-aliasing allowed)
      const strong = 48;
      const ext = img.boxes.map(() => ({ x0: W, y0: H, x1: -1, y1: -1 }));
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const d = diffAt(img.rgb, bare.rgb, y * W + x);
          if (d === 0) continue;
          const k = img.boxes.findIndex((b) => inside(b, x, y, 1));
          expect(k, `pixel (${x},${y}) changed by ${d} outside every box of image ${index}`).toBeGreaterThanOrEqual(0);
          if (d < strong) continue;
          const e = ext[k]!;
          e.x0 = Math.min(e.x0, x);
          e.y0 = Math.min(e.y0, y);
          e.x1 = Math.max(e.x1, x + 1);
          e.y1 = Math.max(e.y1, y + 1);
        }
      }
      // each box is tight: the strong changes reach (within 1 px) all four of its sides
      img.boxes.forEach((b, k) => {
        const e = ext[k]!;
        for (const [got, want] of [
          [e.x0, b.x0],
          [e.y0, b.y0],
          [e.x1, b.x1],
          [e.y1, b.y1],
        ] as const) {
          expect(Math.abs(got - want), `image ${index} line '${b.text}': box [${b.x0},${b.y0},${b.x1},${b.y1}] vs ink [${e.x0},${e.y0},${e.x1},${e.y1}]`).toBeLessThanOrEqual(1);
        }
      });
    }
    expect(lines).toBeGreaterThanOrEqual(16);
  });

  it('detector input: BGR, ImageNet mean/std, NCHW; sides must be multiples of 32', async () => {
    const img = await renderTextImage({ width: 64, height: 64, seed: 3, index: 0 });
    const x = detectorInput(img);
    expect(x.length).toBe(3 * 64 * 64);
    const p = 64 * 10 + 20;
    // channel 0 is blue
    expect(x[p]).toBeCloseTo((img.rgb[p * 3 + 2]! / 255 - 0.485) / 0.229, 5);
    expect(x[2 * 64 * 64 + p]).toBeCloseTo((img.rgb[p * 3]! / 255 - 0.406) / 0.225, 5);
    expect(() => detectorInput({ ...img, width: 60, height: 64 })).toThrow(/multiples of 32/);
    await expect(renderTextImage({ width: 16, height: 64, seed: 1, index: 0 })).rejects.toThrow(/at least 32x32/);
  });
});
