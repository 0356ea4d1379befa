/**
 * `easyquant calibrate --weight-rounding adaround`: the setting reaches scales.json (version 3,
 * a weight_round_flip bitmask on the layers it optimised), the scales-only exports warn that
 * they round to nearest, and the integer reference and the native runtime evaluate the file
 * with the same integer weights (same outputs). A bad value is refused by its flag.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cardPath, describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-cli-wr-'));

interface ScalesFile {
  version: number;
  settings: Record<string, unknown>;
  layers: { name: string; weight_round_flip?: string }[];
}

describeShared('CLI calibrate --weight-rounding', () => {
  const base = ['--model', modelPath('mnist'), '--card', cardPath('mnist'), '--data', MNIST_DIR];
  const args = ['calibrate', ...base, '--method', 'minmax', '--bits', '5', '--calib', '16', '--quiet'];
  const scales = (out: string) => JSON.parse(fs.readFileSync(path.join(out, 'scales.json'), 'utf8')) as ScalesFile;

  it(
    'adaround: version 3 with weight_round_flip, a warning for ncnn/trt, int-ref = native',
    () => {
      const out = path.join(tmp, 'ar');
      const r = runCli([...args, '--weight-rounding', 'adaround', '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      const s = scales(out);
      expect(s.version).toBe(3);
      expect(s.settings['weightRounding']).toBe('adaround');
      expect(s.layers.some((l) => typeof l.weight_round_flip === 'string' && l.weight_round_flip.length > 0)).toBe(true);
      expect(r.stderr).toMatch(/carry scales only: a runtime reading them rounds the weights to nearest/);
      const ev = (engine: string) => {
        const e = runCli(['eval', ...base, '--scales', path.join(out, 'scales.json'), '--engine', engine, '--limit', '40', '--no-layer-cosine', '--json', '--quiet']);
        expect(e.code, e.stderr).toBe(0);
        return JSON.parse(e.stdout) as { predictions: number[]; outputs: Record<string, { sqnr_db: number }> };
      };
      const a = ev('int-ref');
      const b = ev('native');
      expect(b.predictions).toEqual(a.predictions);
      expect(b.outputs).toEqual(a.outputs);
    },
    15 * 60_000,
  );

  it(
    'nearest (the default): no weight_round_flip, the setting not recorded',
    () => {
      const out = path.join(tmp, 'near');
      const r = runCli([...args, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      const s = scales(out);
      expect(s.version).toBe(1);
      expect(s.settings['weightRounding']).toBeUndefined();
      for (const l of s.layers) expect(l.weight_round_flip).toBeUndefined();
    },
    10 * 60_000,
  );

  it(
    'a bad value is refused by its flag, nothing written',
    () => {
      const r = runCli([...args, '--weight-rounding', 'up', '--out', path.join(tmp, 'bad')]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/--weight-rounding.*up.*(nearest|choices)/is);
      expect(fs.existsSync(path.join(tmp, 'bad'))).toBe(false);
    },
    10 * 60_000,
  );
});
