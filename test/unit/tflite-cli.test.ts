/** `easyquant inspect` on .tflite files: the model is imported, a bad one gets one error line. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  m.op('CONV_2D', [x, m.floats('w', [8, 3, 3, 3], Array.from({ length: 216 }, (_, i) => Math.sin(i))), m.floats('b', [8], new Array<number>(8).fill(0.1))], [c], OptType.Conv2D, [
    [Opt.Conv2D.padding, 'i8', Padding.SAME], [Opt.Conv2D.strideW, 'i32', 2], [Opt.Conv2D.strideH, 'i32', 2], [Opt.Conv2D.act, 'i8', Activation.RELU6],
  ]);
  const mean = m.tensor('pooled', [1, 8]);
  m.op('MEAN', [c, m.ints('axes', [2], [1, 2])], [mean], OptType.Reducer, []);
  const fc = m.tensor('logits', [1, 3]);
  m.op('FULLY_CONNECTED', [mean, m.floats('wfc', [3, 8], Array.from({ length: 24 }, (_, i) => Math.cos(i)))], [fc], OptType.FullyConnected, []);
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
});
