/**
 * `easyquant calibrate --unsigned-activations` on SqueezeNet 1.1 (real images): the flag makes a
 * version 4 scales.json with `unsigned_activations`, the scales-only exports warn that they have
 * no zero points, the native runtime gives exactly the integer reference's outputs (every metric
 * equal), and the outputs are closer to FP32 than the same min-max scales on the symmetric grid.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cardPath, describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-cli-ua-'));

interface EvalJson {
  top1?: number;
  agreement?: number;
  outputs: Record<string, { cosine_mean: number; sqnr_db: number; max_abs_err: number }>;
}

describeShared('CLI calibrate --unsigned-activations (SqueezeNet, INT7)', () => {
  const model = ['--model', modelPath('squeezenet1.1'), '--card', cardPath('squeezenet1.1')];
  const calib = (out: string, extra: string[]) =>
    runCli(['calibrate', ...model, '--data', IMAGENET_DIR, '--method', 'minmax', '--bits', '7', '--calib', '8', '--quiet', '--out', out, ...extra]);
  const evalJson = (scales: string, engine: string): EvalJson => {
    const r = runCli(['eval', ...model, '--data', IMAGENET_DIR, '--scales', scales, '--engine', engine, '--limit', '24', '--no-layer-cosine', '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as EvalJson;
  };

  it(
    'version 4 file, a warning for ncnn/trt, native = integer reference, closer to FP32 than symmetric',
    () => {
      const u = path.join(tmp, 'u');
      const r = calib(u, ['--unsigned-activations']);
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(fs.readFileSync(path.join(u, 'scales.json'), 'utf8')) as { version: number; unsigned_activations?: boolean; settings: Record<string, unknown> };
      expect(s.version).toBe(4);
      expect(s.unsigned_activations).toBe(true);
      expect(s.settings['unsignedActivations']).toBe(true);
      expect(r.stderr).toMatch(/ncnn\.table and trt_calibration\.cache have no zero points/);

      const sym = path.join(tmp, 's');
      const rs = calib(sym, []);
      expect(rs.code, rs.stderr).toBe(0);
      expect(rs.stderr).not.toMatch(/no zero points/);
      expect(JSON.parse(fs.readFileSync(path.join(sym, 'scales.json'), 'utf8')).unsigned_activations).toBeUndefined();

      const nat = evalJson(path.join(u, 'scales.json'), 'native');
      const ref = evalJson(path.join(u, 'scales.json'), 'int-ref');
      // bit-exact engines give identical metrics
      expect(nat.outputs).toEqual(ref.outputs);
      expect(nat.agreement).toBe(ref.agreement);
      const symNat = evalJson(path.join(sym, 'scales.json'), 'native');
      const o = Object.keys(nat.outputs)[0]!;
      // measured: 23.8 vs 15.0 dB on 40 images
      expect(nat.outputs[o]!.sqnr_db).toBeGreaterThan(symNat.outputs[o]!.sqnr_db + 3);
    },
    20 * 60_000,
  );
});
