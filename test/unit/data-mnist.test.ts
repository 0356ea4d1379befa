/** MNIST idx reading (gzip and plain), validation errors, and MNIST datasets. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstN, iterateSamples, openDataset } from '../../src-main/io/data/dataset.js';
import { MnistFormatError, parseIdx, readMnist, readMnistImages } from '../../src-main/io/data/mnist.js';
import { MNIST_DIR, describeShared } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-data-mnist-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const IMAGES_GZ = path.join(MNIST_DIR, 't10k-images-idx3-ubyte.gz');
const LABELS_GZ = path.join(MNIST_DIR, 't10k-labels-idx1-ubyte.gz');

describeShared('MNIST t10k (shared)', () => {
  const plainDir = path.join(tmp, 'plain');
  beforeAll(() => {
    fs.mkdirSync(plainDir);
    fs.writeFileSync(path.join(plainDir, 't10k-images-idx3-ubyte'), zlib.gunzipSync(fs.readFileSync(IMAGES_GZ)));
    fs.writeFileSync(path.join(plainDir, 't10k-labels-idx1-ubyte'), zlib.gunzipSync(fs.readFileSync(LABELS_GZ)));
  });

  it('reads the gzipped pair: 10000 images 28x28, first label 7', () => {
    const m = readMnist(IMAGES_GZ, LABELS_GZ);
    expect([m.count, m.rows, m.cols]).toEqual([10000, 28, 28]);
    expect(m.labels.length).toBe(10000);
    expect(m.labels[0]).toBe(7);
    expect(m.labels[1]).toBe(2);
    expect(Math.max(...m.labels)).toBe(9);
    const x = m.image(0);
    expect(x).toBeInstanceOf(Float32Array);
    expect(x.length).toBe(784);
    expect(Math.max(...x)).toBe(255);
    expect(Math.min(...x)).toBe(0);
    expect(() => m.image(10000)).toThrow(RangeError);
  });

  it('the uncompressed copy gives identical data', () => {
    const a = readMnist(IMAGES_GZ, LABELS_GZ);
    const b = readMnist(path.join(plainDir, 't10k-images-idx3-ubyte'), path.join(plainDir, 't10k-labels-idx1-ubyte'));
    expect(b.count).toBe(10000);
    expect(Buffer.from(b.labels).equals(Buffer.from(a.labels))).toBe(true);
    expect(Buffer.from(b.images).equals(Buffer.from(a.images))).toBe(true);
  });

  it('openDataset on the shared folder and on the uncompressed copy', async () => {
    for (const dir of [MNIST_DIR, plainDir]) {
      const ds = await openDataset(dir, { inputDims: [1, 1, 28, 28] });
      expect(ds.kind).toBe('mnist');
      expect(ds.samples.length).toBe(10000);
      expect(ds.samples[0]).toEqual({ id: 't10k-images-idx3-ubyte#0', label: 7 });
      const x = await ds.load(0);
      expect(x?.length).toBe(784);
      expect(Array.from(x!)).toEqual(Array.from(readMnist(IMAGES_GZ, LABELS_GZ).image(0)));
    }
  });

  it('limit, firstN, iterateSamples and a normalising spec', async () => {
    const ds = await openDataset(MNIST_DIR, { inputDims: [1, 1, 28, 28], limit: 20 });
    expect(ds.samples.length).toBe(20);
    const calib = firstN(ds, 5);
    const seen: number[] = [];
    for await (const { index, sample } of iterateSamples(calib)) {
      seen.push(index);
      expect(sample.label).toBe(ds.samples[index]!.label);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    const norm = await openDataset(MNIST_DIR, {
      inputDims: [1, 1, 28, 28],
      spec: { resize: { mode: 'none' }, channelOrder: 'GRAY', scale: 1 / 255, mean: [0.1307], std: [0.3081], layout: 'NCHW' },
    });
    const raw = (await ds.load(0))!;
    const x = (await norm.load(0))!;
    for (const i of [0, 200, 400]) expect(x[i]).toBeCloseTo((raw[i]! / 255 - 0.1307) / 0.3081, 5);
  });

  it('input dims that do not fit MNIST give a clear error', async () => {
    await expect(openDataset(MNIST_DIR, { inputDims: [1, 3, 28, 28] })).rejects.toThrow(/MNIST 28x28 greyscale.*expects 3 channel\(s\) 28x28, MNIST gives 1 channel 28x28/);
  });
});

describe('idx validation', () => {
  const idx = (magic: number, dims: number[], dataLen: number): Buffer => {
    const b = Buffer.alloc(4 + 4 * dims.length + dataLen);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    return b;
  };

  it('corrupt magic gives a clear error', () => {
    const f = path.join(tmp, 'bad-images-idx3-ubyte');
    fs.writeFileSync(f, idx(0x00000801, [2, 2, 2], 8));
    expect(() => readMnistImages(f)).toThrow(MnistFormatError);
    expect(() => readMnistImages(f)).toThrow(`${f}: bad magic number 0x00000801, expected 0x00000803 (idx3 unsigned-byte images)`);
    // also through gzip
    const g = path.join(tmp, 'bad2-images-idx3-ubyte.gz');
    fs.writeFileSync(g, zlib.gzipSync(Buffer.from('hello world, not idx')));
    expect(() => readMnistImages(g)).toThrow(/bad magic number 0x68656c6c/);
  });

  it('size mismatch, truncated header, label/image count mismatch', () => {
    expect(() => parseIdx(idx(0x803, [2, 2, 2], 7), 'x', 3, 'images')).toThrow('x: size mismatch: header says 2x2x2 = 8 bytes of data, file has 7');
    expect(() => parseIdx(Buffer.from([0, 0, 8, 3, 0, 0]), 'y', 3, 'images')).toThrow('y: truncated header (6 bytes, need 16)');
    const im = path.join(tmp, 'c-images-idx3-ubyte');
    const lb = path.join(tmp, 'c-labels-idx1-ubyte');
    fs.writeFileSync(im, idx(0x803, [2, 2, 2], 8));
    fs.writeFileSync(lb, idx(0x801, [3], 3));
    expect(() => readMnist(im, lb)).toThrow(`${lb}: has 3 labels but ${im} has 2 images`);
  });

  it('a folder with a corrupt idx file fails to open with the file named', async () => {
    const dir = path.join(tmp, 'corrupt');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idx(0x12345678, [1, 1, 1], 1));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idx(0x801, [1], 1));
    await expect(openDataset(dir, { inputDims: [1, 1, 1, 1] })).rejects.toThrow(/t10k-images-idx3-ubyte: bad magic number 0x12345678/);
  });
});
