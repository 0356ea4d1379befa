/**
 * `easyquant calibrate --layer-bits / --layer-bits-file`: the per-layer precision reaches
 * scales.json (per-layer bits), the ncnn table (FP32 layers omitted) and the QDQ ONNX (no
 * quantized weights for FP32 layers); a layer that is not quantizable is a clear error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cardPath, describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-cli-layer-bits-'));

describeShared('CLI calibrate with per-layer precision', () => {
  const sq = ['--model', modelPath('squeezenet1.1'), '--card', cardPath('squeezenet1.1'), '--data', IMAGENET_DIR, '--method', 'minmax', '--calib', '2', '--quiet'];

  it(
    '--layer-bits and --layer-bits-file reach scales.json, ncnn and QDQ',
    () => {
      const mapFile = path.join(tmp, 'map.json');
      fs.writeFileSync(mapFile, JSON.stringify({ Conv_10: 'int7', Conv_25: 'fp32' }));
      const out = path.join(tmp, 'sq');
      const r = runCli(['calibrate', ...sq, '--layer-bits', 'Conv_0=7,Conv_3=fp32', '--layer-bits-file', mapFile, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      const scales = JSON.parse(fs.readFileSync(path.join(out, 'scales.json'), 'utf8')) as {
        bits: number;
        layers: { name: string; bits?: number; weight: string }[];
        tensor_bits: Record<string, number>;
      };
      const byName = new Map(scales.layers.map((l) => [l.name, l]));
      expect(scales.bits).toBe(8);
      expect(byName.get('Conv_0')!.bits).toBe(7);
      expect(byName.get('Conv_10')!.bits).toBe(7);
      expect(byName.get('Conv_5')!.bits).toBeUndefined();
      expect(byName.has('Conv_3')).toBe(false);
      expect(byName.has('Conv_25')).toBe(false);
      expect(Object.values(scales.tensor_bits)).toContain(7);
      const ncnn = fs.readFileSync(path.join(out, 'ncnn.table'), 'utf8');
      expect(ncnn).toMatch(/^Conv_0_param_0 /m);
      expect(ncnn).not.toMatch(/^Conv_3_param_0 /m);
      const files = fs.readdirSync(out);
      expect(files.some((f) => f.endsWith('.onnx'))).toBe(true);
    },
    10 * 60_000,
  );

  it(
    'a layer that is not quantizable is named in the error',
    () => {
      const r = runCli(['calibrate', ...sq, '--layer-bits', 'Relu_1=7', '--out', path.join(tmp, 'bad')]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/'Relu_1' is not a quantizable layer/);
      const r2 = runCli(['calibrate', ...sq, '--layer-bits', 'Conv_0=int6', '--out', path.join(tmp, 'bad')]);
      expect(r2.code).not.toBe(0);
      expect(r2.stderr).toMatch(/layer 'Conv_0': expected fp32, int8 or int7/);
      expect(fs.existsSync(path.join(tmp, 'bad'))).toBe(false);
    },
    10 * 60_000,
  );
});
