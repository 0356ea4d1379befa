/**
 * `easyquant calibrate --method lapq | eq+lapq`: the LAPQ flags go through the settings schema
 * (a bad value is named by its flag), the run writes a scales.json with the method and the
 * loss before/after the joint search, and that table is usable by eval like any other.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cardPath, describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-cli-lapq-'));

describeShared('CLI calibrate with LAPQ', () => {
  const mnist = ['--model', modelPath('mnist'), '--card', cardPath('mnist'), '--data', MNIST_DIR, '--calib', '10', '--quiet'];

  it(
    'bad LAPQ flags are named',
    () => {
      const out = path.join(tmp, 'bad');
      let r = runCli(['calibrate', ...mnist, '--method', 'lapq', '--lapq-iters', '0', '--out', out]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/--lapq-iters must be an integer from 1 to 50 \(got 0\)/);
      r = runCli(['calibrate', ...mnist, '--method', 'lapq', '--lapq-loss', 'ce', '--out', out]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/--lapq-loss.*'ce'.*(auto, kl, mse|auto, kl or mse)/);
      r = runCli(['calibrate', ...mnist, '--method', 'lapq', '--lapq-time-s', '-2', '--out', out]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/--lapq-time-s must be a number >= 0 \(got -2\)/);
      r = runCli(['calibrate', ...mnist, '--method', 'lapq', '--lapq-init', 'kl', '--out', out]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/--lapq-init.*'kl'.*(lp, minmax|lp or minmax)/);
      expect(fs.existsSync(out)).toBe(false);
    },
    5 * 60_000,
  );

  it(
    'lapq starts from the Lp clipping by default and records the chosen p',
    () => {
      const out = path.join(tmp, 'lp');
      const r = runCli(['calibrate', ...mnist, '--method', 'lapq', '--bits', '5', '--lapq-iters', '1', '--out', out, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const scales = JSON.parse(fs.readFileSync(path.join(out, 'scales.json'), 'utf8')) as { method: string; settings: Record<string, unknown> };
      expect(scales.method).toBe('lapq');
      expect(scales.settings['lapqInit']).toBe('lp');
      expect([2, 2.5, 3, 3.5, 4]).toContain(scales.settings['lapqInitP']);
      const losses = scales.settings['lapqInitLosses'] as { p: number; loss: number }[];
      expect(scales.settings['lapqLossStart']).toBe(Math.min(...losses.map((l) => l.loss)));
    },
    10 * 60_000,
  );

  it(
    'eq+lapq writes a scales.json eval accepts, with a lower loss than its EQ start',
    () => {
      const out = path.join(tmp, 'eql');
      const r = runCli([
        'calibrate',
        ...mnist,
        '--method',
        'eq+lapq',
        '--bits',
        '5',
        '--steps',
        '20',
        '--lapq-iters',
        '2',
        '--lapq-weights',
        '--lapq-loss',
        'mse',
        '--out',
        out,
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).method).toBe('eq+lapq');
      const scales = JSON.parse(fs.readFileSync(path.join(out, 'scales.json'), 'utf8')) as { method: string; settings: Record<string, unknown> };
      expect(scales.method).toBe('eq+lapq');
      expect(scales.settings).toMatchObject({ lapqLoss: 'mse', lapqLossUsed: 'mse', lapqIters: 2, lapqWeights: true });
      expect(scales.settings['lapqLossEnd'] as number).toBeLessThan(scales.settings['lapqLossStart'] as number);
      expect(fs.existsSync(`${out}.eq-checkpoint.json`)).toBe(false);
      const e = runCli([
        'eval',
        ...mnist.filter((a, i) => a !== '--calib' && mnist[i - 1] !== '--calib'),
        '--scales',
        path.join(out, 'scales.json'),
        '--engine',
        'int-ref',
        '--limit',
        '50',
        '--json',
      ]);
      expect(e.code, e.stderr).toBe(0);
      expect(JSON.parse(e.stdout).agreement).toBeGreaterThan(0.9);
    },
    10 * 60_000,
  );
});
