/**
 * The CLI's preprocessing flags become the one preprocessing form (contract/preprocess.ts); the
 * image pipeline takes it as its spec. Out-of-range flags are named.
 */
import { describe, expect, it } from 'vitest';
import { PreprocessFormSchema, preprocessFromFlags, specFromForm } from '../../src-main/contract/preprocess.js';
import { validateSpec } from '../../src-main/io/data/preprocess.js';

describe('preprocessing flags → form → spec', () => {
  it('no flag: no spec (the card decides)', () => {
    expect(preprocessFromFlags({})).toBeUndefined();
  });

  it('fills the defaults per channel count, as the CLI did', () => {
    expect(preprocessFromFlags({ resizeShorter: 256, crop: [224, 224] })).toEqual({
      resize: { mode: 'shorter', size: 256 },
      centerCrop: { width: 224, height: 224 },
      channelOrder: 'RGB',
      alpha: false,
      scale: 1,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      layout: 'NCHW',
    });
    const rgba = preprocessFromFlags({ channels: 'BGRA', layout: 'NHWC', pixelScale: 1 / 255 })!;
    expect(rgba).toMatchObject({ resize: { mode: 'none' }, channelOrder: 'BGR', alpha: true, mean: [0, 0, 0, 0], std: [1, 1, 1, 1], layout: 'NHWC' });
    expect(preprocessFromFlags({ channels: 'GRAY', resize: [28, 28] })).toMatchObject({
      resize: { mode: 'stretch', width: 28, height: 28 },
      channelOrder: 'GRAY',
      mean: [0],
      std: [1],
    });
  });

  it('the form is a valid spec for the image pipeline (lanczos3, alpha kept)', () => {
    const spec = validateSpec(specFromForm(preprocessFromFlags({ channels: 'RGBA', mean: [1, 2, 3, 4], std: [1, 1, 1, 2] })!));
    expect(spec).toMatchObject({ channelOrder: 'RGB', alpha: true, resample: 'lanczos3', mean: [1, 2, 3, 4], std: [1, 1, 1, 2] });
  });

  it('names the flag that is out of range', () => {
    expect(() => preprocessFromFlags({ std: [0.2, 0, 0.2] })).toThrow('invalid preprocessing: --std: std[1] must be positive, got 0');
    expect(() => preprocessFromFlags({ crop: [0, 224] })).toThrow('invalid preprocessing: --crop: centerCrop.width must be a positive integer, got 0');
    expect(() => preprocessFromFlags({ resizeShorter: 100000 })).toThrow('invalid preprocessing: --resize/--resize-shorter: resize.size must be at most 8192, got 100000');
    expect(() => preprocessFromFlags({ mean: [1, 2, 3, 4, 5] })).toThrow('invalid preprocessing: --mean: mean needs 1 to 4 values, got [1,2,3,4,5]');
  });

  it("the Data page's form and a stored dataset use the same schema", () => {
    const form = {
      resize: { mode: 'shorter', size: 256 },
      centerCrop: { width: 224, height: 224 },
      channelOrder: 'RGB',
      scale: 1 / 255,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      layout: 'NCHW',
    };
    expect(PreprocessFormSchema.parse(form)).toEqual(form);
    expect(PreprocessFormSchema.safeParse({ ...form, layout: 'CHW' }).success).toBe(false);
  });
});
