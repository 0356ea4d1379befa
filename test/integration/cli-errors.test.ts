/**
 * Bad input: a specific one-line error, a non-zero exit, and no output directory left behind
 * (issue 2, acceptance 6). A corrupt JPEG in the data folder is a warning, not an error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../helpers/onnx-build.js';
import { runCli } from '../helpers/cli.js';
import { cardPath, describeShared, IMAGENET_DIR, MNIST_DIR, modelPath } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-cli-'));
const out = (name: string) => path.join(tmp, name);

function expectOneLineError(r: { code: number | null; stderr: string }, re: RegExp): void {
  expect(r.code).not.toBe(0);
  const errLines = r.stderr.split('\n').filter((l) => l.startsWith('easyquant: error:'));
  expect(errLines.length, r.stderr).toBe(1);
  expect(errLines[0]).toMatch(re);
}

function noTempLeft(): void {
  expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
}

describeShared('CLI: bad input', () => {
  const mnist = ['--model', modelPath('mnist'), '--card', cardPath('mnist')];

  it('garbage ONNX file', () => {
    const f = out('garbage.onnx');
    fs.writeFileSync(f, 'not a protobuf at all, just text');
    const r = runCli(['calibrate', '--model', f, '--data', MNIST_DIR, '--out', out('o1')]);
    expectOneLineError(r, /garbage\.onnx: not a valid ONNX model/);
    expect(fs.existsSync(out('o1'))).toBe(false);
    noTempLeft();
  });

  it('truncated ONNX file', () => {
    const f = out('trunc.onnx');
    const b = fs.readFileSync(modelPath('squeezenet1.1'));
    fs.writeFileSync(f, b.subarray(0, 100_000));
    const r = runCli(['inspect', '--model', f]);
    expectOneLineError(r, /trunc\.onnx: not a valid ONNX model/);
  });

  it('a model whose op cannot run', () => {
    const f = out('unsupported.onnx');
    fs.writeFileSync(
      f,
      buildModel({
        nodes: [{ op: 'NonMaxSuppressionPlus', inputs: ['x'], outputs: ['y'], name: 'nms_1' }],
        inputs: [{ name: 'x', dims: [1, 4] }],
        outputs: [{ name: 'y' }],
        opset: 11,
      }),
    );
    const r = runCli(['calibrate', '--model', f, '--data', MNIST_DIR, '--out', out('o2')]);
    expectOneLineError(r, /node 'nms_1': op NonMaxSuppressionPlus \(opset 11\) is not supported/);
    expect(fs.existsSync(out('o2'))).toBe(false);
  });

  it('an empty data folder', () => {
    const d = out('empty');
    fs.mkdirSync(d);
    const r = runCli(['calibrate', ...mnist, '--data', d, '--out', out('o3')]);
    expectOneLineError(r, /no images .* or MNIST idx files found in .*empty/);
    expect(fs.existsSync(out('o3'))).toBe(false);
  });

  it('a card whose input shape does not match the model', () => {
    const r = runCli(['calibrate', '--model', modelPath('mnist'), '--card', cardPath('squeezenet1.1'), '--data', IMAGENET_DIR, '--out', out('o4')]);
    expectOneLineError(r, /input shape \[1,3,227,227\] does not match the model's input 'Input3' \[1,1,28,28\]/);
    expect(fs.existsSync(out('o4'))).toBe(false);
  });

  it('--bits 9 and --steps 0', () => {
    const r1 = runCli(['calibrate', ...mnist, '--data', MNIST_DIR, '--bits', '9', '--out', out('o5')]);
    expectOneLineError(r1, /--bits must be an integer from 4 to 8 \(got 9\)/);
    const r2 = runCli(['calibrate', ...mnist, '--data', MNIST_DIR, '--steps', '0', '--out', out('o5')]);
    expectOneLineError(r2, /--steps must be an integer >= 1 \(got 0\)/);
    expect(fs.existsSync(out('o5'))).toBe(false);
  });

  describe('with a calibrated MNIST table', () => {
    beforeAll(() => {
      const r = runCli(['calibrate', ...mnist, '--data', MNIST_DIR, '--method', 'minmax', '--calib', '8', '--out', out('mnist-mm'), '--json']);
      expect(r.code, r.stderr).toBe(0);
    });
    it('a scales.json written for a different model is refused (sha256 mismatch)', () => {
      const r = runCli([
        'eval',
        '--model',
        modelPath('squeezenet1.1'),
        '--card',
        cardPath('squeezenet1.1'),
        '--data',
        IMAGENET_DIR,
        '--limit',
        '2',
        '--engine',
        'int-ref',
        '--scales',
        path.join(out('mnist-mm'), 'scales.json'),
      ]);
      expectOneLineError(r, /scales\.json was written for model sha256 [0-9a-f]+.* but .*squeezenet1\.1.*model\.onnx has sha256 [0-9a-f]+/);
    });
    it('a failed run leaves an existing output folder untouched', () => {
      const before = fs.readdirSync(out('mnist-mm')).sort();
      const r = runCli(['calibrate', ...mnist, '--data', out('empty'), '--out', out('mnist-mm')]);
      expect(r.code).not.toBe(0);
      expect(fs.readdirSync(out('mnist-mm')).sort()).toEqual(before);
      noTempLeft();
    });
  });

  it('a corrupt JPEG is skipped with a warning and calibration goes on', async () => {
    const d = out('imgs');
    fs.mkdirSync(d);
    const names = fs
      .readdirSync(IMAGENET_DIR)
      .filter((f) => f.endsWith('.JPEG'))
      .sort()
      .slice(0, 3);
    for (const n of names) fs.copyFileSync(path.join(IMAGENET_DIR, n), path.join(d, n));
    fs.writeFileSync(path.join(d, 'a_corrupt.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]));
    await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 10, g: 200, b: 30 } } })
      .png()
      .toFile(path.join(d, 'b_green.png'));
    const r = runCli([
      'calibrate',
      '--model',
      modelPath('squeezenet1.1'),
      '--card',
      cardPath('squeezenet1.1'),
      '--data',
      d,
      '--method',
      'minmax',
      '--calib',
      '10',
      '--out',
      out('o6'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: skipping .*a_corrupt\.jpg/);
    const j = JSON.parse(r.stdout);
    expect(j.images).toBe(4);
    expect(fs.existsSync(path.join(out('o6'), 'scales.json'))).toBe(true);
  });

  it('every command has --help', () => {
    for (const c of ['inspect', 'calibrate', 'eval', 'export']) {
      const r = runCli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: easyquant/);
    }
  });
});
