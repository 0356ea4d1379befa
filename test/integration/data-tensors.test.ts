/**
 * Tensor folders: .npy files (strict header parser) and raw .f32/.bin files as ready inputs,
 * checked against the model input shape; calibrate + eval end to end through the CLI.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, openDataset } from '../../src-main/io/data/dataset.js';
import { NpyFormatError, encodeNpy, parseNpyHeader, readNpy } from '../../src-main/io/data/npy.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';
import { runCli } from '../helpers/cli.js';

let tmp: string;
const DIMS = [1, 2, 4, 4];
const N = 2 * 4 * 4;

/** np.save(np.arange(6, dtype='<f4').reshape(1, 2, 3)), written by NumPy. */
const NUMPY_F4 = Buffer.from(
  '934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028312c20322c2033292c207d' +
    '20'.repeat(55) +
    '0a000000000000803f0000004000004040000080400000a040',
  'hex',
);

function values(seed: number, n = N): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 4 - 2);
}

function folder(name: string, files: Record<string, Buffer>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [f, b] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), b);
  }
  return dir;
}

function raw(x: Float32Array): Buffer {
  const b = Buffer.alloc(x.length * 4);
  x.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-tensors-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('.npy parser', () => {
  it('reads a file written by NumPy', () => {
    const { header, data } = readNpyFrom(NUMPY_F4);
    expect(header).toMatchObject({ dtype: 'float32', shape: [1, 2, 3], dataOffset: 128 });
    expect(Array.from(data)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('round-trips float32, converts float64 and uint8', () => {
    expect(Array.from(readNpyFrom(encodeNpy([2, 2], Float32Array.from([1.5, -2, 3, 4]))).data)).toEqual([1.5, -2, 3, 4]);
    expect(Array.from(readNpyFrom(encodeNpy([3], Float64Array.from([0.25, 1e3, -7]))).data)).toEqual([0.25, 1000, -7]);
    expect(Array.from(readNpyFrom(encodeNpy([1, 2], Uint8Array.from([0, 255]))).data)).toEqual([0, 255]);
  });

  it.each([
    ['fortran order', encodeNpy([2, 2], new Float32Array(4), { fortran: true }), /fortran_order True is not supported/],
    ['big-endian', encodeNpy([2], new Float32Array(2), { descr: '>f4' }), /big-endian dtype '>f4' is not supported/],
    ['int32', encodeNpy([1], new Float32Array(1), { descr: '<i4' }), /dtype '<i4' is not supported \(expected float32/],
    ['no magic', Buffer.from('not an npy file at all'), /not a \.npy file/],
    ['truncated header', NUMPY_F4.subarray(0, 40), /truncated \.npy header/],
    ['truncated data', NUMPY_F4.subarray(0, 140), /size mismatch: shape \(1, 2, 3\) float32 needs 24 data bytes, the file has 12/],
    ['extra key', Buffer.from(NUMPY_F4.toString('latin1').replace("'shape'", "'shapf'"), 'latin1'), /expected the keys 'descr', 'fortran_order', 'shape'/],
    ['bad shape', Buffer.from(NUMPY_F4.toString('latin1').replace('(1, 2, 3)', '(1, x, 3)'), 'latin1'), /shape \(1, x, 3\) must hold non-negative integers/],
  ])('refuses %s', (_what, buf, re) => {
    expect(() => readNpyFrom(buf)).toThrow(NpyFormatError);
    expect(() => readNpyFrom(buf)).toThrow(re);
  });
});

function readNpyFrom(buf: Buffer) {
  const f = path.join(tmp, `p-${Math.random().toString(36).slice(2)}.npy`);
  fs.writeFileSync(f, buf);
  parseNpyHeader(buf.subarray(0, Math.min(buf.length, 200)), f);
  return readNpy(f);
}

describe('tensor folders', () => {
  it('.npy with and without the batch dim, in sorted order, fed unchanged', async () => {
    const a = values(1);
    const b = values(2);
    const dir = folder('npy-ok', { 'b.npy': encodeNpy([2, 4, 4], b), 'a.npy': encodeNpy(DIMS, a), 'notes.txt': Buffer.from('x') });
    const warnings: string[] = [];
    const ds = await openDataset(dir, { inputDims: DIMS, onWarning: (m) => warnings.push(m) });
    expect(ds.tensors).toBeDefined();
    expect(ds.samples.map((s) => s.id)).toEqual(['a.npy', 'b.npy']);
    expect(Array.from((await ds.load(0))!)).toEqual(Array.from(a));
    expect(Array.from((await ds.load(1))!)).toEqual(Array.from(b));
    expect(warnings).toEqual([]);
  });

  it('float64 and uint8 files are converted with one notice', async () => {
    const dir = folder('npy-conv', {
      'a.npy': encodeNpy(
        DIMS,
        Float64Array.from(values(3), (v) => v),
      ),
      'b.npy': encodeNpy(DIMS, new Uint8Array(N).fill(200)),
    });
    const warnings: string[] = [];
    const ds = await openDataset(dir, { inputDims: DIMS, onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/converted to float32.*1 float64 \(a\.npy\); 1 uint8 \(b\.npy\)/);
    expect((await ds.load(1))![5]).toBe(200);
  });

  it('a wrong shape names the file, its shape and the expected one', async () => {
    const dir = folder('npy-bad', { 'a.npy': encodeNpy(DIMS, values(4)), 'b.npy': encodeNpy([1, 4, 4, 2], values(5)) });
    const p = openDataset(dir, { inputDims: DIMS, inputName: 'x' });
    await expect(p).rejects.toThrow(DatasetError);
    await expect(openDataset(dir, { inputDims: DIMS, inputName: 'x' })).rejects.toThrow(
      `${path.join(dir, 'b.npy')}: shape [1, 4, 4, 2] does not match model input 'x' [1, 2, 4, 4] (or [2, 4, 4] without the batch dim)`,
    );
  });

  it('a big-endian .npy in a folder is a clear error', async () => {
    const dir = folder('npy-be', { 'a.npy': encodeNpy(DIMS, values(4), { descr: '>f4' }) });
    await expect(openDataset(dir, { inputDims: DIMS })).rejects.toThrow(/a\.npy: big-endian dtype '>f4' is not supported/);
  });

  it('raw .f32/.bin files of exactly the input size', async () => {
    const a = values(6);
    const dir = folder('raw-ok', { 'a.f32': raw(a), 'b.bin': raw(values(7)) });
    const ds = await openDataset(dir, { inputDims: DIMS });
    expect(ds.samples.map((s) => s.id)).toEqual(['a.f32', 'b.bin']);
    expect(Array.from((await ds.load(0))!)).toEqual(Array.from(a));
    const bad = folder('raw-bad', { 'a.f32': raw(values(6, N - 1)) });
    await expect(openDataset(bad, { inputDims: DIMS })).rejects.toThrow(`${path.join(bad, 'a.f32')}: 124 bytes, but model input [1, 2, 4, 4] needs 128`);
  });

  it('any rank works; a dynamic dim is refused; images and tensors do not mix', async () => {
    const dir = folder('rank2', { 'a.npy': encodeNpy([1, 6], values(8, 6)) });
    expect((await openDataset(dir, { inputDims: [1, 6] })).samples).toHaveLength(1);
    await expect(openDataset(dir, { inputDims: [-1, 6] })).rejects.toThrow(/needs a static shape for tensor files/);
    const mixed = folder('mixed', { 'a.npy': encodeNpy([1, 6], values(8, 6)), 'b.png': Buffer.from('') });
    await expect(openDataset(mixed, { inputDims: [1, 6] })).rejects.toThrow(/mixes images \(b\.png, \.\.\.\) and tensor files \(a\.npy, \.\.\.\)/);
  });
});

describe('CLI: calibrate + eval on a .npy folder', () => {
  it('MinMax calibration and int-ref evaluation of a float-input model', () => {
    const r = rng(11);
    const model = buildModel({
      nodes: [
        { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: [1, 1] } },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', dims: DIMS }],
      outputs: [{ name: 'y', dims: [1, 3] }],
      initializers: { w: randomTensor([3, 2, 1, 1], r), b: randomTensor([3], r, 0.1) },
      opset: 13,
    });
    const mf = path.join(tmp, 'tiny.onnx');
    fs.writeFileSync(mf, model);
    const data = folder('cli-npy', Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`s${i}.npy`, encodeNpy(DIMS, values(20 + i))])));
    const out = path.join(tmp, 'cli-out');
    const c = runCli(['calibrate', '--model', mf, '--data', data, '--method', 'minmax', '--calib', '3', '--out', out, '--json', '--quiet']);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ method: 'minmax', images: 3 });
    expect(fs.existsSync(path.join(out, 'scales.json'))).toBe(true);
    const e = runCli(['eval', '--model', mf, '--data', data, '--scales', path.join(out, 'scales.json'), '--engine', 'int-ref', '--json', '--quiet']);
    expect(e.code, e.stderr).toBe(0);
    // not a classifier (no card, no labels): the output is compared with FP32 element-wise
    const res = JSON.parse(e.stdout) as { images: number; agreement: number | null; outputs: Record<string, { cosine_mean: number; sqnr_db: number | null }> };
    expect(res.images).toBe(5);
    expect(res.agreement).toBeNull();
    expect(res.outputs['y']!.cosine_mean).toBeGreaterThan(0.99);
  }, 300_000);

  it('a wrong-shaped file fails calibrate with the file named', () => {
    const mf = path.join(tmp, 'tiny.onnx');
    const data = folder('cli-bad', { 'a.npy': encodeNpy([1, 2, 4, 5], values(1, 40)) });
    const c = runCli(['calibrate', '--model', mf, '--data', data, '--method', 'minmax', '--calib', '1', '--out', path.join(tmp, 'x'), '--quiet']);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/easyquant: error: .*a\.npy: shape \[1, 2, 4, 5\] does not match model input 'x' \[1, 2, 4, 4\]/);
    expect(fs.existsSync(path.join(tmp, 'x'))).toBe(false);
  }, 120_000);
});

describe('multi-input tensor folders', () => {
  const inputs = [
    { name: 'a', dims: [1, 3] },
    { name: 'b', dims: [1, 2] },
  ];

  it('one sub-folder per input, files matched by sorted name', async () => {
    const dir = folder('multi', {
      'a/s1.npy': encodeNpy([1, 3], Float32Array.from([1, 2, 3])),
      'a/s2.npy': encodeNpy([3], Float32Array.from([4, 5, 6])),
      'b/t1.npy': encodeNpy([1, 2], Float32Array.from([7, 8])),
      'b/t2.f32': raw(Float32Array.from([9, 10])),
    });
    const ds = await openDataset(dir, { inputDims: [1, 3], inputs });
    expect(ds.tensors!.inputs).toEqual(['a', 'b']);
    expect(ds.samples.map((s) => s.id)).toEqual(['s1.npy', 's2.npy']);
    expect((await ds.tensors!.loadInputs(1)).map((x) => Array.from(x))).toEqual([
      [4, 5, 6],
      [9, 10],
    ]);
    expect(Array.from((await ds.load(0))!)).toEqual([1, 2, 3]);
  });

  it('clear errors: missing sub-folder, different counts, wrong shape', async () => {
    const noB = folder('multi-nob', { 'a/s1.npy': encodeNpy([1, 3], new Float32Array(3)) });
    await expect(openDataset(noB, { inputDims: [1, 3], inputs })).rejects.toThrow(
      `${noB}: the model has inputs 'a', 'b': expected one sub-folder per input, an .npz per sample, or --data <input>=<folder> per input; 'b' is missing (found: a)`,
    );
    const counts = folder('multi-counts', {
      'a/s1.npy': encodeNpy([1, 3], new Float32Array(3)),
      'a/s2.npy': encodeNpy([1, 3], new Float32Array(3)),
      'b/t1.npy': encodeNpy([1, 2], new Float32Array(2)),
    });
    await expect(openDataset(counts, { inputDims: [1, 3], inputs })).rejects.toThrow(/different numbers of files \(a: 2, b: 1\)/);
    const shape = folder('multi-shape', { 'a/s1.npy': encodeNpy([1, 3], new Float32Array(3)), 'b/t1.npy': encodeNpy([1, 3], new Float32Array(3)) });
    await expect(openDataset(shape, { inputDims: [1, 3], inputs })).rejects.toThrow(`${path.join(shape, 'b', 't1.npy')}: shape [1, 3] does not match model input 'b' [1, 2]`);
  });

  it('CLI calibrate: a data problem of a multi-input model is named (the runs themselves: multi-input.test.ts)', () => {
    const model = buildModel({
      nodes: [
        { op: 'Relu', inputs: ['a'], outputs: ['ra'] },
        { op: 'Relu', inputs: ['b'], outputs: ['rb'] },
        { op: 'Add', inputs: ['ra', 'rb'], outputs: ['y'] },
      ],
      inputs: [
        { name: 'a', dims: [1, 2] },
        { name: 'b', dims: [1, 2] },
      ],
      outputs: [{ name: 'y', dims: [1, 2] }],
      opset: 13,
    });
    const mf = path.join(tmp, 'two.onnx');
    fs.writeFileSync(mf, model);
    const data = folder('cli-multi', { 'a/s.npy': encodeNpy([1, 2], values(1, 2)), 'b/s.npy': encodeNpy([1, 2], values(2, 2)) });
    const args = ['--model', mf, '--data', data, '--quiet'];
    fs.rmSync(path.join(data, 'b'), { recursive: true });
    const d = runCli(['calibrate', ...args, '--method', 'minmax', '--calib', '1', '--out', path.join(tmp, 'multi-out')]);
    expect(d.stderr).toMatch(/'b' is missing \(found: a\)/);
  }, 120_000);
});
