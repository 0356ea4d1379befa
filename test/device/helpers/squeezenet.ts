/**
 * SqueezeNet 1.1 INT7 for the end-to-end device tests. Scales come from
 * `npx easyquant calibrate --method kl --bits 7` on the 50 calibration images (KL, not EQ: the
 * TypeScript EQ search takes 15+ minutes; the deployment path does not depend on the method),
 * cached in .eq-cache/device-tests keyed by the model's sha256.
 *
 * EQ_DEVICE_IMAGES sets how many ImageNet sample images the end-to-end tests run on the
 * simulated boards: default 50 (the acceptance figure; measured 35–160 s of qemu time per board
 * and CPU model on the shared 2-core machine), fewer for a quick run.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { compileVariant, loadEvalSet, type EvalSet, type Variant } from '../../../src-main/deploy/prepare.js';
import { cardPath, IMAGENET_DIR, modelPath, PROJECT_ROOT } from '../../helpers/shared.js';

export const DEVICE_IMAGES = Number(process.env.EQ_DEVICE_IMAGES ?? 50);

export function squeezenetInt7Scales(): string {
  const model = modelPath('squeezenet1.1');
  const sha = crypto.createHash('sha256').update(fs.readFileSync(model)).digest('hex').slice(0, 16);
  const out = path.join(PROJECT_ROOT, '.eq-cache', 'device-tests', `squeezenet1.1-${sha}-kl7`);
  const scales = path.join(out, 'scales.json');
  if (fs.existsSync(scales)) return scales;
  const r = spawnSync(
    process.execPath,
    [
      path.join(PROJECT_ROOT, 'bin', 'easyquant.mjs'),
      'calibrate',
      '--model',
      model,
      '--card',
      cardPath('squeezenet1.1'),
      '--data',
      IMAGENET_DIR,
      '--method',
      'kl',
      '--bits',
      '7',
      '--out',
      out,
      '--quiet',
    ],
    { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (r.status !== 0 || !fs.existsSync(scales)) throw new Error(`easyquant calibrate failed (exit ${r.status}): ${r.stderr}`);
  return scales;
}

export function squeezenetInt7(): Variant {
  return compileVariant({ model: modelPath('squeezenet1.1'), card: cardPath('squeezenet1.1'), scales: squeezenetInt7Scales(), label: 'int7' });
}

export function squeezenetImages(n = DEVICE_IMAGES): Promise<EvalSet> {
  if (!Number.isInteger(n) || n < 1) throw new Error(`EQ_DEVICE_IMAGES must be a positive integer (got ${process.env.EQ_DEVICE_IMAGES})`);
  return loadEvalSet({ model: modelPath('squeezenet1.1'), card: cardPath('squeezenet1.1'), data: IMAGENET_DIR, limit: n });
}
