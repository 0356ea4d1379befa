/**
 * 4-channel inputs: RGBA/BGRA keep the image's alpha (opaque images get 255), in NCHW and NHWC,
 * from a spec, a card (channel_order) and the CLI (--channels RGBA).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardToSpec, parseCard } from '../../src-main/io/data/card.js';
import { openDataset } from '../../src-main/io/data/dataset.js';
import { type PreprocessSpec, preprocessImage, splitChannelOrder, validateSpec } from '../../src-main/io/data/preprocess.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';
import { runCli } from '../helpers/cli.js';

let tmp: string;
const W = 3;
const H = 2;
/** Interleaved RGBA of a 3x2 image: pixel p = (10p+1, 10p+2, 10p+3, alpha 40p+5). */
const RGBA = Buffer.from(Array.from({ length: W * H }, (_, p) => [10 * p + 1, 10 * p + 2, 10 * p + 3, 40 * p + 5]).flat());

function spec(channelOrder: 'RGBA' | 'BGRA', layout: 'NCHW' | 'NHWC'): PreprocessSpec {
  return { resize: { mode: 'none' }, ...splitChannelOrder(channelOrder), mean: [0, 0, 0, 0], std: [1, 1, 1, 1], layout };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-rgba-'));
  fs.mkdirSync(path.join(tmp, 'alpha'));
  await sharp(RGBA, { raw: { width: W, height: H, channels: 4 } })
    .png()
    .toFile(path.join(tmp, 'alpha', 'a.png'));
  fs.mkdirSync(path.join(tmp, 'opaque'));
  await sharp(Buffer.alloc(W * H * 3, 7), { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toFile(path.join(tmp, 'opaque', 'o.png'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('RGBA / BGRA preprocessing', () => {
  it('keeps alpha, NCHW planes in RGBA order', async () => {
    const x = await preprocessImage(path.join(tmp, 'alpha', 'a.png'), spec('RGBA', 'NCHW'), [1, 4, H, W]);
    const plane = W * H;
    for (let p = 0; p < plane; p++) {
      expect([x[p], x[plane + p], x[2 * plane + p], x[3 * plane + p]]).toEqual([10 * p + 1, 10 * p + 2, 10 * p + 3, 40 * p + 5]);
    }
  });

  it('NHWC interleaved, BGRA swaps colour but keeps alpha last', async () => {
    const x = await preprocessImage(path.join(tmp, 'alpha', 'a.png'), spec('BGRA', 'NHWC'), [1, H, W, 4]);
    expect(Array.from(x)).toEqual(Array.from({ length: W * H }, (_, p) => [10 * p + 3, 10 * p + 2, 10 * p + 1, 40 * p + 5]).flat());
  });

  it('an opaque image gets alpha 255', async () => {
    const x = await preprocessImage(path.join(tmp, 'opaque', 'o.png'), spec('RGBA', 'NHWC'), [1, H, W, 4]);
    expect(Array.from(x)).toEqual(new Array(W * H).fill([7, 7, 7, 255]).flat());
  });

  it("a spec written as JSON may say channelOrder 'RGBA'; GRAY + alpha is refused", () => {
    expect(validateSpec({ ...spec('RGBA', 'NCHW'), alpha: undefined, channelOrder: 'RGBA' })).toMatchObject({ channelOrder: 'RGB', alpha: true });
    expect(() => validateSpec({ ...spec('RGBA', 'NCHW'), channelOrder: 'GRAY', mean: [0, 0], std: [1, 1] })).toThrow(/alpha is not supported with channelOrder GRAY/);
    expect(() => validateSpec({ ...spec('RGBA', 'NCHW'), mean: [0, 0, 0] })).toThrow(/mean must have 4 value\(s\) for channelOrder RGBA, got 3/);
  });

  it('RGBA into a 3-channel model input is a channel mismatch', async () => {
    await expect(preprocessImage(path.join(tmp, 'alpha', 'a.png'), spec('RGBA', 'NCHW'), [1, 3, H, W])).rejects.toThrow(
      /model input \[1,3,2,3\] \(NCHW\) has 3 channel\(s\) but channelOrder RGBA gives 4/,
    );
  });

  it('a card with channel_order RGBA and a [1,H,W,4] NHWC input opens an image folder', async () => {
    const card = parseCard(
      {
        name: 'lines',
        task: 'detection',
        file: 'm.onnx',
        input: { shape: [1, H, W, 4], layout: 'NHWC' },
        output: { kind: 'logits', classes: 2 },
        preprocess: { resize: [W, H], channel_order: 'RGBA', scale: 1 / 255, mean: [0, 0, 0, 0], std: [1, 1, 1, 1] },
      },
      path.join(tmp, 'card.json'),
    );
    const ds = await openDataset(path.join(tmp, 'alpha'), { spec: cardToSpec(card), inputDims: card.input.shape });
    const x = await ds.load(0);
    expect(x).not.toBeNull();
    expect(x![3]).toBeCloseTo(5 / 255, 6);
    expect(x![7]).toBeCloseTo(45 / 255, 6);
  });

  it('a raw-preprocess card with 4 channels defaults to RGBA', () => {
    const card = parseCard(
      { name: 'r', task: 't', file: 'm.onnx', input: { shape: [1, 4, H, W] }, output: { kind: 'logits', classes: 2 }, preprocess: { note: 'raw' } },
      path.join(tmp, 'card.json'),
    );
    expect(cardToSpec(card)).toMatchObject({ channelOrder: 'RGB', alpha: true, mean: [0, 0, 0, 0], std: [1, 1, 1, 1] });
  });

  it('CLI: calibrate + eval --channels RGBA --layout NHWC on a [1,H,W,4] model', () => {
    // Transpose to NCHW, then a 3x3 conv over all four channels: the alpha plane reaches the model
    const r = rng(3);
    const model = buildModel({
      nodes: [
        { op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: [0, 3, 1, 2] } },
        { op: 'Conv', inputs: ['t', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', dims: [1, H, W, 4] }],
      outputs: [{ name: 'y', dims: [1, 5] }],
      initializers: { w: randomTensor([5, 4, 3, 3], r), b: randomTensor([5], r, 0.1) },
      opset: 13,
    });
    const mf = path.join(tmp, 'nhwc4.onnx');
    fs.writeFileSync(mf, model);
    const pre = ['--model', mf, '--data', path.join(tmp, 'alpha'), '--channels', 'RGBA', '--layout', 'NHWC', '--pixel-scale', String(1 / 255), '--quiet', '--json'];
    const out = path.join(tmp, 'nhwc4-out');
    const c = runCli(['calibrate', ...pre, '--method', 'minmax', '--calib', '1', '--out', out]);
    expect(c.code, c.stderr).toBe(0);
    const e = runCli(['eval', ...pre, '--scales', path.join(out, 'scales.json'), '--engine', 'int-ref']);
    expect(e.code, e.stderr).toBe(0);
    const res = JSON.parse(e.stdout) as { images: number; mean_cosine: number };
    expect(res.images).toBe(1);
    expect(res.mean_cosine).toBeGreaterThan(0.99);
  }, 120_000);
});
