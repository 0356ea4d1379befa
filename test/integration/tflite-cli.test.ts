/**
 * The CLI on .tflite files: inspect imports the model (a bad one gets one error line), and
 * calibrate runs end to end and writes a QDQ model onnxruntime runs on the NHWC input.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { Activation, Opt, Padding } from '../../src-main/core/tflite/schema.js';
import { runCli } from '../helpers/cli.js';
import { OptType, TflBuilder } from '../helpers/tflite-build.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-tflite-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function smallModel(): Uint8Array {
  const m = new TflBuilder();
  const x = m.input('pixels', [1, 16, 16, 3]);
  const c = m.tensor('features', [1, 8, 8, 8]);
  m.op(
    'CONV_2D',
    [
      x,
      m.floats(
        'w',
        [8, 3, 3, 3],
        Array.from({ length: 216 }, (_, i) => Math.sin(i)),
      ),
      m.floats('b', [8], new Array<number>(8).fill(0.1)),
    ],
    [c],
    OptType.Conv2D,
    [
      [Opt.Conv2D.padding, 'i8', Padding.SAME],
      [Opt.Conv2D.strideW, 'i32', 2],
      [Opt.Conv2D.strideH, 'i32', 2],
      [Opt.Conv2D.act, 'i8', Activation.RELU6],
    ],
  );
  const mean = m.tensor('pooled', [1, 8]);
  m.op('MEAN', [c, m.ints('axes', [2], [1, 2])], [mean], OptType.Reducer, []);
  const fc = m.tensor('logits', [1, 3]);
  m.op(
    'FULLY_CONNECTED',
    [
      mean,
      m.floats(
        'wfc',
        [3, 8],
        Array.from({ length: 24 }, (_, i) => Math.cos(i)),
      ),
    ],
    [fc],
    OptType.FullyConnected,
    [],
  );
  m.outputs = [fc];
  return m.finish();
}

describe('easyquant inspect <model.tflite>', () => {
  it('imports the model and reports its layers', () => {
    const f = path.join(dir, 'small.tflite');
    fs.writeFileSync(f, smallModel());
    const r = runCli(['inspect', '--model', f], { timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('inputs:  pixels [1x16x16x3]');
    expect(r.stdout).toContain('outputs: logits [1x3]');
    // MEAN over H, W is a GlobalAveragePool (then [N, C]), which every engine runs
    expect(r.stdout).toContain('ops:     Transpose 1, Conv 1, GlobalAveragePool 1, Reshape 1, Gemm 1');
    expect(r.stdout).toMatch(/features_Conv +Conv\+Clip\(0,6\) +\[1x3x16x16\] +\[1x8x8x8\]/);
    expect(r.stdout).toMatch(/logits_Gemm +Gemm +\[1x8\] +\[1x3\]/);
    expect(r.stdout).toMatch(/quantized layers 2/);
  });

  it('an unsupported TFLite op ends with one error line naming it', () => {
    const m = new TflBuilder();
    const x = m.input('x', [1, 4, 4, 4]);
    const y = m.tensor('to_depth', [1, 2, 2, 16]);
    m.op('SPACE_TO_DEPTH', [x], [y]);
    m.outputs = [y];
    const f = path.join(dir, 'odd.tflite');
    fs.writeFileSync(f, m.finish());
    const r = runCli(['inspect', '--model', f], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`easyquant: error: ${f}: TFLite operator #0 SPACE_TO_DEPTH (output tensor 'to_depth'): TFLite op SPACE_TO_DEPTH is not supported by the importer`);
  });

  it('calibrate (EQ, 8 bits) on a TFLite model writes every export', async () => {
    const f = path.join(dir, 'calib.tflite');
    fs.writeFileSync(f, smallModel());
    const data = path.join(dir, 'tensors');
    fs.mkdirSync(data);
    for (let k = 0; k < 4; k++) {
      const t = Float32Array.from({ length: 768 }, (_, i) => Math.sin(i * (k + 1) * 0.37));
      fs.writeFileSync(path.join(data, `t${k}.f32`), Buffer.from(t.buffer));
    }
    const out = path.join(dir, 'run');
    const r = runCli(['calibrate', '--model', f, '--data', data, '--method', 'eq', '--bits', '8', '--calib', '4', '--steps', '10', '--accel', 'ts', '--quiet', '--out', out], {
      timeoutMs: 300_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['model_qdq.onnx', 'ncnn.table', 'scales.json', 'trt_calibration.cache']);
    const scales = JSON.parse(fs.readFileSync(path.join(out, 'scales.json'), 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(scales)).toContain('features_Conv');
    const session = await ort.InferenceSession.create(path.join(out, 'model_qdq.onnx'));
    const res = await session.run({ pixels: new ort.Tensor('float32', new Float32Array(768).fill(0.5), [1, 16, 16, 3]) });
    expect(res['logits']!.dims).toEqual([1, 3]);
    expect([...(res['logits']!.data as Float32Array)].every(Number.isFinite)).toBe(true);
  }, 300_000);
});
