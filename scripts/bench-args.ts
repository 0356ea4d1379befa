/** What the benchmark scripts share: the project root, ../shared (EQ_SHARED_DIR overrides it) and `--name value` options. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PreprocessSpec } from '../src-main/io/data/preprocess.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const shared = path.resolve(process.env['EQ_SHARED_DIR'] ?? path.join(root, '..', 'shared'));
export const argv = process.argv.slice(2);

/** The value after `--name`, or `dflt`. */
export function opt(name: string, dflt: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : dflt;
}

/** The value after `--name`, or undefined when the option is absent. */
export function optional(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}

/** A positive number option, or `dflt`; anything else is an error naming the option. */
export function positiveNum(name: string, dflt: number): number {
  const raw = optional(name);
  const v = raw === undefined ? dflt : Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number, got '${raw}'`);
  return v;
}

/** ImageNet preprocessing of the synthetic bench models (no card): torchvision's resize 256, crop 224, mean/std */
export const IMAGENET_PRE: PreprocessSpec = {
  resize: { mode: 'shorter', size: 256 },
  centerCrop: { width: 224, height: 224 },
  resample: 'lanczos3',
  channelOrder: 'RGB',
  scale: 1,
  mean: [123.675, 116.28, 103.53],
  std: [58.395, 57.12, 57.375],
  layout: 'NCHW',
};
