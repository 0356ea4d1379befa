/**
 * The one place tests find ../shared (reference models and data). EQ_SHARED_DIR overrides
 * the default (the folder beside the project root). Tests that need it call
 * `describeShared`, which skips them with a visible message when the folder is absent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SHARED_DIR = path.resolve(process.env.EQ_SHARED_DIR ?? path.join(projectRoot, '..', 'shared'));
export const HAVE_SHARED = fs.existsSync(path.join(SHARED_DIR, 'models'));

export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_DIR, ...parts);
}

export const modelPath = (name: string) => sharedPath('models', name, 'model.onnx');
export const cardPath = (name: string) => sharedPath('models', name, 'card.json');
export const IMAGENET_DIR = sharedPath('data', 'imagenet-sample');
export const MNIST_DIR = sharedPath('data', 'mnist');
export const PROJECT_ROOT = projectRoot;

/** describe() that is skipped, with a message, when ../shared is missing. */
export function describeShared(name: string, fn: () => void): void {
  if (!HAVE_SHARED) {
    console.warn(`[skip] ${name}: shared data folder not found at ${SHARED_DIR} (set EQ_SHARED_DIR)`);
    describe.skip(name, fn);
    return;
  }
  describe(name, fn);
}
