/**
 * TF.js graph-model import (src-main/core/tfjs, io/tfjs-model.ts): a small model.json + shards
 * written here (uint8-, uint16- and float16-quantized weights, two manifest groups, one split
 * over two shard files) is imported and run in onnxruntime, and compared with a plain NHWC
 * reference computed in this file; bad inputs give errors naming the node and op.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { readModelFile } from '../../src-main/io/model-file.js';

const s = (v: string): { s: string } => ({ s: Buffer.from(v).toString('base64') });
const ints = (v: number[]): { list: { i: string[] } } => ({ list: { i: v.map(String) } });
const strs = (v: string[]): { list: { s: string[] } } => ({ list: { s: v.map((x) => Buffer.from(x).toString('base64')) } });

function seq(n: number, f: (i: number) => number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => f(i));
}

// weights as the model will decode them
const W1Q = Uint8Array.from({ length: 54 }, (_, i) => (i * 37) % 256); // uint8: q * 0.01 - 1
const W1 = Float32Array.from(W1Q, (q) => q * 0.01 - 1);
const B1 = Float32Array.of(0.5, -0.25, 0.125); // float16 0x3800, 0xb400, 0x3000
const C3 = Float32Array.of(0.1, -0.2, 0.3);
const DWQ = Uint16Array.from({ length: 54 }, (_, i) => i * 1000); // uint16: q * 1e-4 - 0.9
const DW = Float32Array.from(DWQ, (q) => q * 1e-4 - 0.9);
const ALPHA = seq(6, (i) => 0.1 * (i + 1));
const WM = seq(24, (i) => Math.sin(i));
const BM = Float32Array.of(0.1, 0.2, 0.3, 0.4);

function modelJson(extra: object[] = []): object {
  const node = (name: string, op: string, input: string[] = [], attr: object = {}): object => ({ name, op, input, attr });
  return {
    format: 'graph-model',
    modelTopology: {
      node: [
        // listed out of order on purpose: the importer sorts
        node('out2', 'Reshape', ['cat', 'shape2']),
        node('x', 'Placeholder', [], { shape: { shape: { dim: [{ size: '-1' }, { size: '4' }, { size: '4' }, { size: '2' }] } } }),
        ...['w1', 'b1', 'c3', 'dw', 'alpha', 'wm', 'bm', 'axes', 'axis', 'shape2'].map((n) => node(n, 'Const')),
        node('conv1', '_FusedConv2D', ['x', 'w1', 'b1'], { fused_ops: strs(['BiasAdd', 'Relu']), strides: ints([1, 1, 1, 1]), padding: s('SAME'), data_format: s('NHWC') }),
        node('conv1b', 'AddV2', ['conv1', 'c3']),
        node('dwc', 'DepthwiseConv2dNative', ['conv1b', 'dw', '^conv1'], { strides: ints([1, 2, 2, 1]), padding: s('SAME') }),
        node('pr', 'Prelu', ['dwc', 'alpha']),
        node('mean', 'Mean', ['pr', 'axes'], { keep_dims: { b: false } }),
        node('mm', '_FusedMatMul', ['mean', 'wm', 'bm'], { fused_ops: strs(['BiasAdd']), transpose_a: { b: false }, transpose_b: { b: false } }),
        node('sm', 'Softmax', ['mm']),
        node('mp', 'MaxPool', ['conv1b'], { ksize: ints([1, 2, 2, 1]), strides: ints([1, 2, 2, 1]), padding: s('VALID') }),
        node('cat', 'ConcatV2', ['mp', 'pr', 'axis']),
        ...extra,
      ],
    },
    weightsManifest: [
      {
        paths: ['g1.bin'],
        weights: [
          { name: 'w1', shape: [3, 3, 2, 3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.01, min: -1 } },
          { name: 'b1', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } },
          { name: 'c3', shape: [3], dtype: 'float32' },
        ],
      },
      {
        paths: ['g2a.bin', 'g2b.bin'],
        weights: [
          { name: 'dw', shape: [3, 3, 3, 2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 1e-4, min: -0.9 } },
          { name: 'alpha', shape: [6], dtype: 'float32' },
          { name: 'wm', shape: [6, 4], dtype: 'float32' },
          { name: 'bm', shape: [4], dtype: 'float32' },
          { name: 'axes', shape: [2], dtype: 'int32' },
          { name: 'axis', shape: [], dtype: 'int32' },
          { name: 'shape2', shape: [2], dtype: 'int32' },
        ],
      },
    ],
  };
}

function writeModel(json: object = modelJson()): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-tfjs-'));
  const f32 = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const g1 = Buffer.concat([Buffer.from(W1Q), Buffer.from(Uint16Array.of(0x3800, 0xb400, 0x3000).buffer), f32(C3)]);
  const g2 = Buffer.concat([Buffer.from(DWQ.buffer), f32(ALPHA), f32(WM), f32(BM), Buffer.from(Int32Array.of(1, 2, -1, 1, -1).buffer)]);
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  fs.writeFileSync(path.join(dir, 'g1.bin'), g1);
  fs.writeFileSync(path.join(dir, 'g2a.bin'), g2.subarray(0, 50));
  fs.writeFileSync(path.join(dir, 'g2b.bin'), g2.subarray(50));
  return dir;
}

// ---- NHWC reference (batch 1) ----
interface T {
  h: number;
  w: number;
  c: number;
  d: Float32Array;
}
const at = (t: T, y: number, x: number, c: number): number => (y < 0 || x < 0 || y >= t.h || x >= t.w ? 0 : t.d[(y * t.w + x) * t.c + c]!);

/** TF SAME conv (or depthwise with multiplier m when dw), filters [kh, kw, cin, cout|m] */
function conv(t: T, f: Float32Array, k: number, cout: number, stride: number, dw: boolean): T {
  const oh = Math.ceil(t.h / stride);
  const ow = Math.ceil(t.w / stride);
  const padH = Math.floor(Math.max((oh - 1) * stride + k - t.h, 0) / 2);
  const padW = Math.floor(Math.max((ow - 1) * stride + k - t.w, 0) / 2);
  const oc = dw ? t.c * cout : cout;
  const d = new Float32Array(oh * ow * oc);
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++)
      for (let o = 0; o < oc; o++) {
        let acc = 0;
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const iy = y * stride + ky - padH;
            const ix = x * stride + kx - padW;
            if (dw) {
              const c = Math.floor(o / cout);
              acc += at(t, iy, ix, c) * f[((ky * k + kx) * t.c + c) * cout + (o % cout)]!;
            } else for (let c = 0; c < t.c; c++) acc += at(t, iy, ix, c) * f[((ky * k + kx) * t.c + c) * cout + o]!;
          }
        d[(y * ow + x) * oc + o] = acc;
      }
  return { h: oh, w: ow, c: oc, d };
}

function reference(xd: Float32Array): { sm: Float32Array; out2: Float32Array } {
  const x: T = { h: 4, w: 4, c: 2, d: xd };
  const c1 = conv(x, W1, 3, 3, 1, false);
  c1.d = c1.d.map((v, i) => Math.max(v + B1[i % 3]!, 0) + C3[i % 3]!);
  const dwc = conv(c1, DW, 3, 2, 2, true);
  const pr = dwc.d.map((v, i) => (v >= 0 ? v : v * ALPHA[i % 6]!));
  const mean = seq(6, (c) => (pr[c]! + pr[6 + c]! + pr[12 + c]! + pr[18 + c]!) / 4);
  const mm = seq(4, (j) => BM[j]! + mean.reduce((a, v, i) => a + v * WM[i * 4 + j]!, 0));
  const e = mm.map((v) => Math.exp(v));
  const sum = e.reduce((a, b) => a + b, 0);
  const out2: number[] = [];
  for (let y = 0; y < 2; y++)
    for (let xx = 0; xx < 2; xx++) {
      for (let c = 0; c < 3; c++) out2.push(Math.max(at(c1, 2 * y, 2 * xx, c), at(c1, 2 * y, 2 * xx + 1, c), at(c1, 2 * y + 1, 2 * xx, c), at(c1, 2 * y + 1, 2 * xx + 1, c)));
      for (let c = 0; c < 6; c++) out2.push(pr[(y * 2 + xx) * 6 + c]!);
    }
  return { sm: e.map((v) => v / sum), out2: Float32Array.from(out2) };
}

function closeTo(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[i]!)));
}

describe('TF.js graph model import', () => {
  it('decodes quantized weights and matches the NHWC reference in onnxruntime', async () => {
    const dir = writeModel();
    const bytes = readModelFile(dir);
    const loaded = loadModelBytes(bytes, dir);
    expect(loaded.graph.inputs.map((i) => [i.name, i.dims])).toEqual([['x', [1, 4, 4, 2]]]);
    expect(loaded.graph.outputs.map((o) => [o.name, o.dims])).toEqual([
      ['out2', [1, 36]],
      ['sm', [1, 4]],
    ]);
    const session = await ort.InferenceSession.create(bytes);
    const xd = seq(32, (i) => Math.cos(i * 0.7) * 2);
    const res = await session.run({ x: new ort.Tensor('float32', xd, [1, 4, 4, 2]) });
    const ref = reference(xd);
    closeTo(res['sm']!.data as Float32Array, ref.sm);
    closeTo(res['out2']!.data as Float32Array, ref.out2);
    // the same model through its model.json path
    expect(Buffer.compare(readModelFile(path.join(dir, 'model.json')), bytes)).toBe(0);
  });

  it('names the node and op of an unsupported op', () => {
    const dir = writeModel(modelJson([{ name: 'odd', op: 'TopKV2', input: ['sm'] }]));
    expect(() => readModelFile(dir)).toThrow(/TF\.js node 'odd' \(op TopKV2\): op TopKV2 is not supported by the TF\.js importer/);
  });

  it('folds Keras batch norm (Mul, Add) into the conv and Relu → Minimum → Maximum into one Clip', async () => {
    const f32 = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const build = (alsoOut: boolean): string => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-tfjs-fold-'));
      const node = (name: string, op: string, input: string[] = [], attr: object = {}): object => ({ name, op, input, attr });
      const nodes = [
        node('x', 'Placeholder', [], { shape: { shape: { dim: [{ size: '1' }, { size: '4' }, { size: '4' }, { size: '2' }] } } }),
        ...['w', 'scale', 'shift', 'hi', 'lo'].map((n) => node(n, 'Const')),
        node('conv', 'Conv2D', ['x', 'w'], { strides: ints([1, 1, 1, 1]), padding: s('SAME') }),
        node('bn/mul', 'Mul', ['conv', 'scale']),
        node('bn/add', 'AddV2', ['shift', 'bn/mul']),
        node('relu', 'Relu', ['bn/add']),
        node('min', 'Minimum', ['relu', 'hi']),
        node('out', 'Maximum', ['min', 'lo']),
      ];
      const outputs = alsoOut ? { out: { name: 'out' }, conv: { name: 'conv:0' } } : { out: { name: 'out:0' } };
      const weights = [
        { name: 'w', shape: [3, 3, 2, 3], dtype: 'float32' },
        { name: 'scale', shape: [3], dtype: 'float32' },
        { name: 'shift', shape: [1, 1, 1, 3], dtype: 'float32' },
        { name: 'hi', shape: [], dtype: 'float32' },
        { name: 'lo', shape: [], dtype: 'float32' },
      ];
      fs.writeFileSync(
        path.join(dir, 'model.json'),
        JSON.stringify({ format: 'graph-model', modelTopology: { node: nodes }, weightsManifest: [{ paths: ['w.bin'], weights }], signature: { outputs } }),
      );
      fs.writeFileSync(path.join(dir, 'w.bin'), Buffer.concat([f32(W1), f32(B1), f32(C3), f32(Float32Array.of(0.5)), f32(Float32Array.of(0.1))]));
      return dir;
    };
    const xd = seq(32, (i) => Math.cos(i * 0.7) * 2);
    const c = conv({ h: 4, w: 4, c: 2, d: xd }, W1, 3, 3, 1, false);
    const want = c.d.map((v, i) => Math.max(Math.min(Math.max(v * B1[i % 3]! + C3[i % 3]!, 0), 0.5), 0.1));
    for (const alsoOut of [false, true]) {
      const dir = build(alsoOut);
      const bytes = readModelFile(dir);
      const ops = loadModelBytes(bytes, dir, { noFusion: true }).graph.nodes.map((n) => n.op);
      // the conv output read twice (also a graph output) keeps the Mul and Add
      expect(ops.filter((o) => o === 'Mul' || o === 'Add')).toHaveLength(alsoOut ? 2 : 0);
      expect(ops.filter((o) => o === 'Clip')).toHaveLength(1);
      expect(ops.filter((o) => o === 'Min' || o === 'Max' || o === 'Relu')).toHaveLength(0);
      const session = await ort.InferenceSession.create(bytes);
      const res = await session.run({ x: new ort.Tensor('float32', xd, [1, 4, 4, 2]) });
      expect([...session.outputNames].sort()).toEqual(alsoOut ? ['conv', 'out'] : ['out']);
      closeTo(res['out']!.data as Float32Array, want);
      if (alsoOut) closeTo(res['conv']!.data as Float32Array, c.d);
    }
  });

  it('refuses a control-flow loop (a cycle) instead of sorting forever', () => {
    const j = modelJson([
      { name: 'loop/merge', op: 'Merge', input: ['sm', 'loop/next'] },
      { name: 'loop/next', op: 'NextIteration', input: ['loop/merge'] },
    ]);
    expect(() => readModelFile(writeModel(j))).toThrow(/TF\.js node 'loop\/(merge|next)' \(op (Merge|NextIteration)\) is on a cycle of the graph \(a control-flow loop\)/);
  });

  it('refuses an empty layers model, short shards and a dynamic spatial dim with clear messages', () => {
    // layers (Keras) models are read by core/tfjs/keras-layers.ts (test/unit/tfjs-keras-layers.test.ts)
    const layers = writeModel({ format: 'layers-model', modelTopology: { class_name: 'Sequential', config: {} }, weightsManifest: [] });
    expect(() => readModelFile(layers)).toThrow(/Keras model class 'Sequential' with 0 layers is not supported/);
    const short = writeModel();
    fs.writeFileSync(path.join(short, 'g2b.bin'), Buffer.alloc(4));
    expect(() => readModelFile(short)).toThrow(/weight 'dw' needs bytes 0\.\.108 but the shards of group 1 \(g2a\.bin, g2b\.bin\) have 54/);
    const j = modelJson() as { modelTopology: { node: { name: string; attr: { shape?: unknown } }[] } };
    j.modelTopology.node.find((n) => n.name === 'x')!.attr.shape = { shape: { dim: [{ size: '1' }, { size: '-1' }, { size: '4' }, { size: '2' }] } };
    expect(() => readModelFile(writeModel(j))).toThrow(/TF\.js node 'x' \(op Placeholder\): graph input has a dynamic dim 1/);
    const missing = writeModel();
    fs.rmSync(path.join(missing, 'g1.bin'));
    expect(() => readModelFile(missing)).toThrow(/weight shard 'g1\.bin' cannot be read \(ENOENT\)/);
  });
});
