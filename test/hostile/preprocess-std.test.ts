/**
 * A negative std flips a channel's sign: the GUI refuses it, and so do the shared spec check
 * (CLI --std, dataset specs) and card.json, with a message naming the field.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCard } from '../../src-main/io/data/card.js';
import { validateSpec, type PreprocessSpec } from '../../src-main/io/data/preprocess.js';
import { HAVE_SHARED, MNIST_DIR, modelPath, PROJECT_ROOT } from '../helpers/shared.js';
import { BIN } from './serve-child.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-hostile-std-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const spec = (std: number[]): PreprocessSpec => ({ resize: { mode: 'none' }, channelOrder: 'RGB', scale: 1, mean: [0, 0, 0], std, layout: 'NCHW' });

describe('negative or zero std', () => {
  it('validateSpec refuses a negative std, naming the channel', () => {
    expect(() => validateSpec(spec([1, -0.5, 1]))).toThrow('preprocess spec: std[1] must be positive, got -0.5');
    expect(() => validateSpec(spec([0, 1, 1]))).toThrow(/std\[0\] is 0/);
    expect(validateSpec(spec([0.229, 0.224, 0.225])).std).toEqual([0.229, 0.224, 0.225]);
  });

  it('a card with a negative std is refused at preprocess.std[i]', () => {
    const card = {
      name: 'c',
      task: 't',
      file: 'model.onnx',
      input: { shape: [1, 3, 8, 8] },
      output: { kind: 'logits', classes: 2 },
      preprocess: { resize: [8, 8], channel_order: 'RGB', mean: [0, 0, 0], std: [1, 1, -2] },
    };
    expect(() => parseCard(card, path.join(tmp, 'card.json'))).toThrow(/preprocess\.std\[2\]: must be positive, got -2/);
  });

  it.skipIf(!HAVE_SHARED)('the CLI refuses --std -1,1,1 before doing any work', () => {
    const out = path.join(tmp, 'out');
    const r = spawnSync(process.execPath, [BIN, 'calibrate', '--model', modelPath('mnist'), '--data', MNIST_DIR, '--std', '-1,1,1', '--out', out], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/std\[0\] must be positive, got -1/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
