/**
 * The Data page's preview shows the image the model gets in its real colours: SqueezeNet's card
 * feeds BGR with pixel means subtracted, and the preview of the first ImageNet sample (a tench)
 * must equal that image resized and cropped the same way, in RGB.
 */
import { expect, it } from 'vitest';
import sharp from 'sharp';
import { preprocessImage } from '../../src-main/io/data/preprocess.js';
import { previewSample } from '../../src-main/app/jobs.js';
import { tensorToPixels } from '../../src-main/pipeline/preview-image.js';
import { cardPath, describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';

describeShared('data preview colours', () => {
  it('the BGR, mean-subtracted tench comes back as the RGB picture', async () => {
    const p = await previewSample({ model: modelPath('squeezenet1.1'), card: cardPath('squeezenet1.1'), data: IMAGENET_DIR, index: 0 });
    expect(p.id).toMatch(/tench/);
    const shown = await sharp(Buffer.from(p.png.split(',')[1]!, 'base64'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(shown.info).toMatchObject({ width: 227, height: 227, channels: 3 });
    // the same resize and crop, plain RGB 0..255, interleaved
    const rgb = await preprocessImage(
      `${IMAGENET_DIR}/n01440764_tench.JPEG`,
      { resize: { mode: 'shorter', size: 227 }, centerCrop: { width: 227, height: 227 }, channelOrder: 'RGB', mean: [0, 0, 0], std: [1, 1, 1], layout: 'NHWC' },
      [1, 227, 227, 3],
    );
    let worst = 0;
    for (let i = 0; i < rgb.length; i++) worst = Math.max(worst, Math.abs(shown.data[i]! - rgb[i]!));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('undoes scale, mean and std per channel, and min-max scales without a spec', () => {
    // one pixel, NCHW, BGR tensor of RGB (200, 100, 50) with scale 1/255 and per-channel mean/std
    const spec = { channelOrder: 'BGR' as const, scale: 1 / 255, mean: [0.4, 0.5, 0.6], std: [0.2, 0.25, 0.5] };
    const rgb = [200, 100, 50];
    const bgr = [rgb[2]!, rgb[1]!, rgb[0]!];
    const t = Float32Array.from(bgr.map((v, k) => (v / 255 - spec.mean[k]!) / spec.std[k]!));
    expect([...tensorToPixels(t, [1, 3, 1, 1], 'NCHW', spec).data]).toEqual(rgb);
    expect([...tensorToPixels(Float32Array.from([-1, 0, 1]), [1, 1, 1, 3], 'NHWC').data]).toEqual([0, 128, 255]);
    expect([...tensorToPixels(Float32Array.from([-1, 0, 1, 3]), [1, 1, 2, 2], 'NCHW').data]).toEqual([0, 64, 128, 255]);
  });
});
