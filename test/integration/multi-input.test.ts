/**
 * Models with several inputs (issue 11 item 3): data as one sub-folder per input, one folder
 * per input (`--data a=dirA --data b=dirB`) or an .npz per sample; calibrate (EQ) and eval
 * (fp32, sim, ort-qdq) feed every input; int-ref, native and compile (single-input integer
 * program / EQM v1) refuse with a message naming the inputs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../src-main/io/data/dataset.js';
import { encodeNpy } from '../../src-main/io/data/npy.js';
import { readScalesJson } from '../../src-main/io/scales-json.js';
import { runCli } from '../helpers/cli.js';
import { encodeNpz } from '../helpers/npz.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';

/** np.savez_compressed(f, a=float32 [[1, 2, 3]], b=float64 [[7.5, -8]]) written by NumPy 2.4 (zip64 entries). */
const NUMPY_NPZ = Buffer.from(
  '504b03042d0000000800000021001c08ab35ffffffffffffffff05001400612e6e7079010010008c0000000000000051000000000000009bec17ea1b10c9c850c650ad9e925a9c5ca46ea5a06e9366a2aea3a09e965f54529498179f5f94920a12774bcc294e058a17672416a402f91a863a0ac69a3a0ab50a64032e0686067b0606060720720000504b03042d000000080000002100e58dd3feffffffffffffffff05001400622e6e70790100100090000000000000004e000000000000009bec17ea1b10c9c850c650ad9e925a9c5ca46ea5a06e9366a1aea3a09e965f54529498179f5f94920a12774bcc294e058a17672416a402f91a863a0a469a3a0ab50a64032e0630907380d00a0700504b01022d032d0000000800000021001c08ab35510000008c000000050000000000000000000000800100000000612e6e7079504b01022d032d000000080000002100e58dd3fe4e00000090000000050000000000000000000000800188000000622e6e7079504b05060000000002000200660000000d0100000000',
  'hex',
);

const A = [1, 3, 8, 8];
const B = [1, 2, 8, 8];
const COUNT = 6;
let tmp: string;
let model: string;

/** conv(a) + conv(b) → relu → conv: both graph inputs feed a quantized layer */
function twoInputModel(): Uint8Array {
  const r = rng(4);
  return buildModel({
    nodes: [
      { op: 'Conv', inputs: ['a', 'wa', 'ba'], outputs: ['ca'], name: 'conv_a', attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Conv', inputs: ['b', 'wb', 'bb'], outputs: ['cb'], name: 'conv_b', attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Add', inputs: ['ca', 'cb'], outputs: ['s'], name: 'add' },
      { op: 'Relu', inputs: ['s'], outputs: ['rs'], name: 'relu' },
      { op: 'Conv', inputs: ['rs', 'wy', 'by'], outputs: ['y'], name: 'conv_y' },
    ],
    inputs: [
      { name: 'a', dims: A },
      { name: 'b', dims: B },
    ],
    outputs: [{ name: 'y' }],
    initializers: {
      wa: randomTensor([4, 3, 3, 3], r, 0.5),
      ba: randomTensor([4], r, 0.1),
      wb: randomTensor([4, 2, 3, 3], r, 0.5),
      bb: randomTensor([4], r, 0.1),
      wy: randomTensor([2, 4, 1, 1], r, 0.5),
      by: randomTensor([2], r, 0.1),
    },
    opset: 13,
  });
}

/** sample k: a uniform in ±1, b in ±10 (so the two input scales differ tenfold) */
function sample(k: number): { a: Float32Array; b: Float32Array } {
  const r = rng(100 + k);
  return { a: randomTensor(A, r, 1).data as Float32Array, b: randomTensor(B, r, 10).data as Float32Array };
}

function write(dir: string, files: Record<string, Buffer>): string {
  for (const [f, b] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), b);
  }
  return dir;
}

const ids = Array.from({ length: COUNT }, (_, k) => `s${k}`);
let subDirs: string;
let npzDir: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-multi-'));
  model = path.join(tmp, 'two.onnx');
  fs.writeFileSync(model, twoInputModel());
  subDirs = write(
    path.join(tmp, 'sub'),
    Object.fromEntries(
      ids.flatMap((id, k) => [
        [`a/${id}.npy`, encodeNpy(A, sample(k).a)],
        [`b/${id}.npy`, encodeNpy(B.slice(1), sample(k).b)],
      ]),
    ),
  );
  npzDir = write(
    path.join(tmp, 'npz'),
    Object.fromEntries(ids.map((id, k) => [`${id}.npz`, encodeNpz({ b: { shape: B, data: sample(k).b }, a: { shape: A, data: sample(k).a } })])),
  );
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('multi-input datasets', () => {
  const inputs = [
    { name: 'a', dims: [1, 3] },
    { name: 'b', dims: [1, 2] },
  ];

  it('reads an .npz written by NumPy (zip64, deflated, float64 converted)', async () => {
    const dir = write(path.join(tmp, 'numpy'), { 'x.npz': NUMPY_NPZ });
    const warnings: string[] = [];
    const ds = await openDataset(dir, { inputDims: [1, 3], inputs, onWarning: (m) => warnings.push(m) });
    expect(ds.samples.map((s) => s.id)).toEqual(['x.npz']);
    expect((await ds.tensors!.loadInputs(0)).map((x) => Array.from(x))).toEqual([
      [1, 2, 3],
      [7.5, -8],
    ]);
    expect(warnings.join('\n')).toMatch(/converted to float32.*float64/);
    // a single-input model takes the only array of each .npz, whatever its name
    const one = write(path.join(tmp, 'npz-one'), { 'x.npz': encodeNpz({ arr_0: { shape: [3], data: Float32Array.from([4, 5, 6]) } }) });
    const ds1 = await openDataset(one, { inputDims: [1, 3], inputName: 'x' });
    expect(Array.from((await ds1.load(0))!)).toEqual([4, 5, 6]);
  });

  it('clear errors: a missing array, an unknown or missing input folder, a broken .npz', async () => {
    const missing = write(path.join(tmp, 'npz-missing'), { 's.npz': encodeNpz({ a: { shape: [1, 3], data: new Float32Array(3) } }) });
    await expect(openDataset(missing, { inputDims: [1, 3], inputs })).rejects.toThrow(`${path.join(missing, 's.npz')}: no array 'b' for the model input of that name (arrays: a)`);
    const broken = write(path.join(tmp, 'npz-broken'), { 's.npz': Buffer.from('PK not a zip') });
    await expect(openDataset(broken, { inputDims: [1, 3], inputs })).rejects.toThrow(/s\.npz: not a readable \.npz \(zip\) file/);
    const d = write(path.join(tmp, 'one'), { 'x.npy': encodeNpy([1, 3], new Float32Array(3)) });
    await expect(openDataset(d, { inputDims: [1, 3], inputs, inputDirs: { a: d, c: d } })).rejects.toThrow(`data given for 'c', which is not a model input (inputs: 'a', 'b')`);
    await expect(openDataset(d, { inputDims: [1, 3], inputs, inputDirs: { a: d } })).rejects.toThrow(`no data for model input 'b': give one folder per input (<input>=<folder>)`);
  });
});

describe('multi-input models through the CLI', () => {
  const calib = (data: string[], out: string) =>
    runCli(['calibrate', '--model', model, ...data.flatMap((d) => ['--data', d]), '--calib', '4', '--out', out, '--quiet', '--json', '--steps', '20'], { timeoutMs: 300_000 });

  it('calibrates with EQ from sub-folders, per-input folders and .npz alike; eval feeds both inputs', () => {
    const outs = [path.join(tmp, 'c-sub'), path.join(tmp, 'c-dirs'), path.join(tmp, 'c-npz')];
    const runs = [calib([subDirs], outs[0]!), calib([`a=${path.join(subDirs, 'a')}`, `b=${path.join(subDirs, 'b')}`], outs[1]!), calib([npzDir], outs[2]!)];
    for (const r of runs) expect(r.stderr).not.toMatch(/error/);
    for (const r of runs) expect(r.code).toBe(0);
    const tables = outs.map((o) => readScalesJson(path.join(o, 'scales.json')));
    for (const t of tables.slice(1)) expect(t.layers).toEqual(tables[0]!.layers);
    const scale = (n: string) => tables[0]!.layers.find((l) => l.name === n)!.inputScale;
    // input b spans ±10, input a ±1: conv_b's input scale is that of b's data, not a's
    expect(scale('conv_a') / scale('conv_b')).toBeGreaterThan(5);
    const scales = path.join(outs[0]!, 'scales.json');
    for (const engine of ['sim', 'ort-qdq']) {
      const e = runCli(['eval', '--model', model, '--data', npzDir, '--scales', scales, '--engine', engine, '--json', '--quiet'], { timeoutMs: 300_000 });
      expect(e.code, e.stderr).toBe(0);
      const r = JSON.parse(e.stdout) as { images: number; outputs: Record<string, { cosine_mean: number }> };
      expect(r.images).toBe(COUNT);
      expect(r.outputs['y']!.cosine_mean).toBeGreaterThan(0.99);
    }
    const f = runCli(['eval', '--model', model, '--data', `a=${path.join(subDirs, 'a')}`, '--data', `b=${path.join(subDirs, 'b')}`, '--json', '--quiet']);
    expect(f.code, f.stderr).toBe(0);
    expect((JSON.parse(f.stdout) as { images: number }).images).toBe(COUNT);
  }, 900_000);

  it('int-ref, native and compile refuse a multi-input model, naming its inputs; nothing is written', () => {
    const scales = path.join(tmp, 'c-sub', 'scales.json');
    const msg = "the model has 2 inputs ('a', 'b'): the integer program (engines int-ref and native, EQM compile) takes a single input";
    for (const engine of ['int-ref', 'native']) {
      const e = runCli(['eval', '--model', model, '--data', subDirs, '--scales', scales, '--engine', engine, '--quiet']);
      expect(e.code).toBe(1);
      expect(e.stderr).toContain(msg);
    }
    const out = path.join(tmp, 'two.eqm');
    const c = runCli(['compile', '--model', model, '--scales', scales, '--out', out]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain(msg);
    expect(fs.existsSync(out)).toBe(false);
  }, 300_000);

  it('--input-shape <input>=dims binds a dynamic input after the first', () => {
    const dyn = path.join(tmp, 'two-dyn.onnx');
    const r = rng(9);
    fs.writeFileSync(
      dyn,
      buildModel({
        nodes: [
          { op: 'Conv', inputs: ['a', 'wa'], outputs: ['ca'], name: 'conv_a', attrs: { pads: [1, 1, 1, 1] } },
          { op: 'Conv', inputs: ['b', 'wb'], outputs: ['cb'], name: 'conv_b', attrs: { pads: [1, 1, 1, 1] } },
          { op: 'Add', inputs: ['ca', 'cb'], outputs: ['y'], name: 'add' },
        ],
        inputs: [
          { name: 'a', dims: A },
          { name: 'b', dims: [1, 2, 'H', 'W'] },
        ],
        outputs: [{ name: 'y' }],
        initializers: { wa: randomTensor([4, 3, 3, 3], r, 0.5), wb: randomTensor([4, 2, 3, 3], r, 0.5) },
        opset: 13,
      }),
    );
    const base = ['eval', '--model', dyn, '--data', npzDir, '--json', '--quiet'];
    const e = runCli(base);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain("graph input 'b' has a dynamic shape [1,2,?,?]: dim 2 ('H') has no size; give a static input shape (all 4 dims) with --input-shape b=<dims>");
    const ok = runCli([...base, '--input-shape', 'b=1,2,8,8']);
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { images: number }).images).toBe(COUNT);
  }, 300_000);

  it('--data: several values must each be <input>=<folder>', () => {
    const c = runCli(['calibrate', '--model', model, '--data', subDirs, '--data', npzDir, '--out', path.join(tmp, 'bad'), '--quiet']);
    expect(c.code).not.toBe(0);
    expect(c.stderr).toContain(`--data '${subDirs}': with several --data options each must be <input>=<folder> (one per model input)`);
  }, 120_000);
});
