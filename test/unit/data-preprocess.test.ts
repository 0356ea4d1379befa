/**
 * Preprocessing golden checks on real ImageNet images against an independent computation:
 * sharp's own `resize(w, h, {fit: 'cover'})` raw output, normalised here by hand.
 */
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { cardToSpec, readCard } from '../../src-main/io/data/card.js';
import { type PreprocessSpec, preprocessImage } from '../../src-main/io/data/preprocess.js';
import { IMAGENET_DIR, cardPath, describeShared } from '../helpers/shared.js';

const TENCH = path.join(IMAGENET_DIR, 'n01440764_tench.JPEG'); // 500x375 colour
const GREY = path.join(IMAGENET_DIR, 'n02096051_Airedale.JPEG'); // 500x330, 1-component JPEG

/** Independent reference: sharp cover-resize to the crop, interleaved RGB bytes. */
async function coverRgb(file: string, w: number, h: number): Promise<Buffer> {
  const { data, info } = await sharp(file)
    .resize({ width: w, height: h, fit: 'cover', kernel: 'lanczos3' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([w, h, 3]);
  return data;
}

function range(x: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return [lo, hi];
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describeShared('preprocessImage golden checks (ImageNet sample)', () => {
  it('squeezenet spec: shape, BGR planes, mean subtraction, pixel values', async () => {
    const spec = cardToSpec(readCard(cardPath('squeezenet1.1')));
    const x = await preprocessImage(TENCH, spec, [1, 3, 227, 227]);
    const P = 227 * 227;
    expect(x.length).toBe(3 * P);
    const raw = await coverRgb(TENCH, 227, 227);
    const mean = [103.94, 116.78, 123.68]; // B, G, R
    const want = new Float32Array(3 * P);
    for (let p = 0; p < P; p++) for (let c = 0; c < 3; c++) want[c * P + p] = raw[p * 3 + (2 - c)]! - mean[c]!;
    expect(maxAbsDiff(x, want)).toBeLessThan(1e-4);
    // a few pixels spelled out: (x, y) → plane value
    for (const [px, py] of [
      [0, 0],
      [113, 113],
      [226, 0],
      [5, 200],
      [226, 226],
    ] as [number, number][]) {
      const p = py * 227 + px;
      expect(x[0 * P + p]).toBeCloseTo(raw[p * 3 + 2]! - 103.94, 4); // B
      expect(x[1 * P + p]).toBeCloseTo(raw[p * 3 + 1]! - 116.78, 4); // G
      expect(x[2 * P + p]).toBeCloseTo(raw[p * 3 + 0]! - 123.68, 4); // R
    }
    const [lo, hi] = range(x);
    expect(lo).toBeGreaterThanOrEqual(-123.68 - 1e-4);
    expect(hi).toBeLessThanOrEqual(255 - 103.94 + 1e-4);
    expect(hi - lo).toBeGreaterThan(100); // a real image, not a constant
  });

  it('BGR output planes are the RGB output planes reversed', async () => {
    const base = cardToSpec(readCard(cardPath('squeezenet1.1')));
    const zero = { ...base, mean: [0, 0, 0] };
    const bgr = await preprocessImage(TENCH, { ...zero, channelOrder: 'BGR' }, [1, 3, 227, 227]);
    const rgb = await preprocessImage(TENCH, { ...zero, channelOrder: 'RGB' }, [1, 3, 227, 227]);
    const P = 227 * 227;
    for (const [b, r] of [
      [0, 2],
      [1, 1],
      [2, 0],
    ] as [number, number][]) {
      expect(bgr.subarray(b * P, (b + 1) * P)).toEqual(rgb.subarray(r * P, (r + 1) * P));
    }
    // and the channels of this image really differ (so the test can tell the orders apart)
    expect(rgb.subarray(0, P)).not.toEqual(rgb.subarray(2 * P, 3 * P));
  });

  it('mobilenet spec: RGB in [-1, 1], matches the independent computation', async () => {
    const spec = cardToSpec(readCard(cardPath('mobilenet_v1_0.25')));
    const x = await preprocessImage(TENCH, spec, [1, 3, 224, 224]);
    const P = 224 * 224;
    const raw = await coverRgb(TENCH, 224, 224);
    const want = new Float32Array(3 * P);
    for (let p = 0; p < P; p++) for (let c = 0; c < 3; c++) want[c * P + p] = (raw[p * 3 + c]! - 127.5) / 127.5;
    expect(maxAbsDiff(x, want)).toBeLessThan(1e-6);
    const [lo, hi] = range(x);
    expect(lo).toBeGreaterThanOrEqual(-1);
    expect(hi).toBeLessThanOrEqual(1);
    expect(x[0]).toBeCloseTo((raw[0]! - 127.5) / 127.5, 6);
    expect(x[P + 100]).toBeCloseTo((raw[100 * 3 + 1]! - 127.5) / 127.5, 6);
  });

  it("a shorter side of 259 resizes with one uniform scale and crops at sharp's centre", async () => {
    const spec: PreprocessSpec = { ...cardToSpec(readCard(cardPath('squeezenet1.1'))), resize: { mode: 'shorter', size: 259 } };
    const x = await preprocessImage(TENCH, { ...spec, mean: [0, 0, 0] }, [1, 3, 227, 227]);
    // 500x375 → 345x259 (Math.round(500 * 259 / 375) = 345), crop at left ceil(118/2) = 59, top 16
    const { data, info } = await sharp(TENCH).resize({ width: 259, height: 259, fit: 'outside' }).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([345, 259]);
    const crop = await sharp(data, { raw: { width: 345, height: 259, channels: 3 } })
      .extract({ left: 59, top: 16, width: 227, height: 227 })
      .raw()
      .toBuffer();
    const P = 227 * 227;
    const want = new Float32Array(3 * P);
    for (let p = 0; p < P; p++) for (let c = 0; c < 3; c++) want[c * P + p] = crop[p * 3 + (2 - c)]!;
    expect(maxAbsDiff(x, want)).toBe(0);
  });

  it('a greyscale JPEG becomes 3 equal channels; GRAY gives 1 channel', async () => {
    const spec: PreprocessSpec = {
      resize: { mode: 'shorter', size: 224 },
      centerCrop: { width: 224, height: 224 },
      channelOrder: 'RGB',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      layout: 'NCHW',
    };
    const x = await preprocessImage(GREY, spec, [1, 3, 224, 224]);
    const P = 224 * 224;
    expect(x.subarray(0, P)).toEqual(x.subarray(P, 2 * P));
    expect(x.subarray(0, P)).toEqual(x.subarray(2 * P, 3 * P));
    const g = await preprocessImage(GREY, { ...spec, channelOrder: 'GRAY', mean: [0], std: [1] }, [1, 1, 224, 224]);
    expect(g.length).toBe(P);
    expect(maxAbsDiff(g, x.subarray(0, P))).toBeLessThanOrEqual(1);
  });

  it('NHWC is the NCHW tensor transposed; scale multiplies first', async () => {
    const spec = cardToSpec(readCard(cardPath('mobilenet_v1_0.25')));
    const nchw = await preprocessImage(TENCH, spec, [1, 3, 224, 224]);
    const nhwc = await preprocessImage(TENCH, { ...spec, layout: 'NHWC' }, [1, 224, 224, 3]);
    const P = 224 * 224;
    for (const p of [0, 1, 500, P - 1]) for (let c = 0; c < 3; c++) expect(nhwc[p * 3 + c]).toBe(nchw[c * P + p]);
    const scaled = await preprocessImage(TENCH, { ...spec, scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }, [1, 3, 224, 224]);
    expect(maxAbsDiff(scaled, nchw)).toBeLessThan(1e-5);
  });
});

describe('preprocessImage on generated images', () => {
  it('stretch + alpha removal + NHWC on a small PNG', async () => {
    // 4x2 RGBA image: left half red, right half blue, alpha varies (must be dropped, not blended)
    const w = 4;
    const h = 2;
    const rgba = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 4;
        rgba.set(x < 2 ? [255, 0, 0, 255] : [0, 0, 255, 40], o);
      }
    const png = await sharp(rgba, { raw: { width: w, height: h, channels: 4 } })
      .png()
      .toBuffer();
    const x = await preprocessImage(
      png,
      { resize: { mode: 'stretch', width: 4, height: 2 }, resample: 'nearest', channelOrder: 'RGB', mean: [0, 0, 0], std: [255, 255, 255], layout: 'NHWC' },
      [1, 2, 4, 3],
    );
    expect(Array.from(x.subarray(0, 3))).toEqual([1, 0, 0]);
    expect(Array.from(x.subarray(3 * 3, 3 * 4))).toEqual([0, 0, 1]);
  });

  it('mode none: image size must match the dims', async () => {
    const png = await sharp({ create: { width: 5, height: 3, channels: 3, background: { r: 10, g: 20, b: 30 } } })
      .png()
      .toBuffer();
    const spec: PreprocessSpec = { resize: { mode: 'none' }, channelOrder: 'BGR', mean: [0, 0, 0], std: [1, 1, 1], layout: 'NCHW' };
    const x = await preprocessImage(png, spec, [1, 3, 3, 5]);
    expect([x[0], x[15], x[30]]).toEqual([30, 20, 10]);
    await expect(preprocessImage(png, spec, [1, 3, 4, 4])).rejects.toThrow(/expects 4x4 .* preprocessing gives 5x3/);
  });

  it('a corrupt buffer is an ImageDecodeError', async () => {
    const spec: PreprocessSpec = { resize: { mode: 'none' }, channelOrder: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], layout: 'NCHW' };
    await expect(preprocessImage(Buffer.from('not an image'), spec, [1, 3, 1, 1])).rejects.toMatchObject({ name: 'ImageDecodeError' });
  });
});
