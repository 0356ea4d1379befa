/**
 * `easyquant calibrate --bias-correction`: the flag reaches the settings (scales.json records
 * it) and every quantized layer gets a bias_delta in a version 2 file; the exports that carry
 * scales only (ncnn table, TensorRT cache) say they keep the uncorrected biases. Without the
 * flag the file stays version 1 with no bias_delta.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cardPath, describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-cli-bc-'));

interface ScalesFile {
  version: number;
  settings: Record<string, unknown>;
  layers: { name: string; weight_scales: number[]; bias_delta?: number[] }[];
}

describeShared('CLI calibrate --bias-correction', () => {
  const args = ['calibrate', '--model', modelPath('mnist'), '--card', cardPath('mnist'), '--data', MNIST_DIR, '--method', 'minmax', '--calib', '4', '--quiet'];
  const scales = (out: string) => JSON.parse(fs.readFileSync(path.join(out, 'scales.json'), 'utf8')) as ScalesFile;

  it(
    'with the flag: bias_delta for every layer, version 2, the setting recorded, a warning for ncnn/trt',
    () => {
      const out = path.join(tmp, 'bc');
      const r = runCli([...args, '--bias-correction', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      const s = scales(out);
      expect(s.version).toBe(2);
      expect(s.settings['biasCorrection']).toBe(true);
      expect(s.layers.length).toBeGreaterThan(0);
      for (const l of s.layers) expect(l.bias_delta?.length, l.name).toBe(l.weight_scales.length);
      expect(s.layers.some((l) => l.bias_delta!.some((d) => d !== 0))).toBe(true);
      expect(r.stderr).toMatch(/ncnn\.table and trt_calibration\.cache carry scales only/);
    },
    10 * 60_000,
  );

  it(
    'without it: version 1, no bias_delta, no warning',
    () => {
      const out = path.join(tmp, 'plain');
      const r = runCli([...args, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      const s = scales(out);
      expect(s.version).toBe(1);
      expect(s.settings['biasCorrection']).toBe(false);
      for (const l of s.layers) expect(l.bias_delta).toBeUndefined();
      expect(r.stderr).not.toMatch(/carry scales only/);
    },
    10 * 60_000,
  );

  it(
    '--bias-correction takes no value',
    () => {
      const r = runCli([...args, '--bias-correction', 'yes', '--out', path.join(tmp, 'bad')]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/too many arguments|unknown|excess/i);
      expect(fs.existsSync(path.join(tmp, 'bad'))).toBe(false);
    },
    10 * 60_000,
  );
});
