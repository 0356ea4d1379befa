import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { loadModel } from '../../src-main/io/model-file.js';
import { UnsupportedOpError } from '../../src-main/core/ops/types.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';
import { describeShared, modelPath } from '../helpers/shared.js';
import type { FloatTensor, Tensor } from '../../src-main/core/graph/tensor.js';

async function ortRun(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(bytes);
  const r = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor('float32', t.data as Float32Array, t.dims)])));
  const out: Record<string, Float32Array> = {};
  for (const k of s.outputNames) out[k] = r[k]!.data as Float32Array;
  await s.release();
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('ONNX import errors', () => {
  it('rejects a garbage file with the file name', () => {
    expect(() => loadModelBytes(new TextEncoder().encode('this is not a model at all'), 'garbage.onnx')).toThrow(/garbage\.onnx: not a valid ONNX model/);
  });
  it('rejects a truncated model', () => {
    const bytes = fs.readFileSync(modelPath('mnist'));
    expect(() => loadModelBytes(bytes.subarray(0, Math.floor(bytes.length / 2)), 'trunc.onnx')).toThrow(/trunc\.onnx/);
  });
  it('rejects an empty file', () => {
    expect(() => loadModelBytes(new Uint8Array(), 'empty.onnx')).toThrow(/empty\.onnx: empty file/);
  });
  it('names node, op and opset of an op the FP32 path cannot run', () => {
    const bytes = buildModel({
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['y'], name: 'r' },
        { op: 'FancyOp', inputs: ['y'], outputs: ['z'], name: 'my_fancy_node' },
      ],
      inputs: [{ name: 'x', dims: [1, 4] }],
      outputs: [{ name: 'z' }],
    });
    let err: unknown;
    try {
      loadModelBytes(bytes, 'fancy.onnx');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnsupportedOpError);
    expect((err as Error).message).toBe("node 'my_fancy_node': op FancyOp (opset 13) is not supported");
  });
});

describe('graph passes', () => {
  const r = rng(7);
  const W = randomTensor([8, 3, 3, 3], r, 0.5);
  const B = randomTensor([8], r, 0.1);
  const gamma = randomTensor([8], r, 1);
  const beta = randomTensor([8], r, 0.2);
  const mean = randomTensor([8], r, 0.3);
  const varr: FloatTensor = { dtype: 'float32', dims: [8], data: Float32Array.from({ length: 8 }, () => 0.5 + r()) };
  const x = randomTensor([1, 3, 10, 10], r, 1);

  it('folds BatchNormalization into Conv and fuses Relu; output matches onnxruntime', async () => {
    const bytes = buildModel({
      nodes: [
        { op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['c'], name: 'conv', attrs: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] } },
        { op: 'BatchNormalization', inputs: ['c', 'g', 'b', 'm', 'v'], outputs: ['bn'], name: 'bn', attrs: { epsilon: 1e-3 } },
        { op: 'Relu', inputs: ['bn'], outputs: ['y'], name: 'relu' },
      ],
      inputs: [{ name: 'x', dims: [1, 3, 10, 10] }],
      outputs: [{ name: 'y' }],
      initializers: { W, B, g: gamma, b: beta, m: mean, v: varr },
    });
    const m = loadModelBytes(bytes, 'bn.onnx');
    expect(m.passes['batchNormFolding']).toBe(1);
    expect(m.passes['activationFusion']).toBe(1);
    expect(m.graph.nodes.map((n) => n.op)).toEqual(['Conv']);
    expect(m.graph.nodes[0]!.act?.kind).toBe('relu');
    const ours = runGraph(m.graph, { x }).get('y')!.data;
    const ref = (await ortRun(bytes, { x }))['y']!;
    expect(maxDiff(ours, ref)).toBeLessThan(1e-5);
  });

  it('reads weights held in Constant nodes, fuses Conv+Clip (ReLU6)', async () => {
    const bytes = buildModel({
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['W'], name: 'w_const', attrs: { value: W } },
        { op: 'Constant', inputs: [], outputs: ['lo'], name: 'lo_const', attrs: { value: { dtype: 'float32', dims: [], data: Float32Array.of(0) } } },
        { op: 'Constant', inputs: [], outputs: ['hi'], name: 'hi_const', attrs: { value: { dtype: 'float32', dims: [], data: Float32Array.of(6) } } },
        { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'], name: 'conv', attrs: { strides: [2, 2] } },
        { op: 'Clip', inputs: ['c', 'lo', 'hi'], outputs: ['y'], name: 'relu6' },
      ],
      inputs: [{ name: 'x', dims: [1, 3, 10, 10] }],
      outputs: [{ name: 'y' }],
    });
    const m = loadModelBytes(bytes, 'const.onnx');
    expect(m.graph.nodes.length).toBe(1);
    expect(m.graph.nodes[0]!.act).toMatchObject({ kind: 'clip', min: 0, max: 6 });
    expect(planQuantization(m.graph).layers.length).toBe(1);
    const ours = runGraph(m.graph, { x }).get('y')!.data;
    const ref = (await ortRun(bytes, { x }))['y']!;
    expect(maxDiff(ours, ref)).toBeLessThan(1e-5);
  });

  it('keeps ops the quantizer does not handle in FP32 with a reason', () => {
    const bytes = buildModel({
      nodes: [
        { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'], name: 'conv' },
        { op: 'Sigmoid', inputs: ['c'], outputs: ['y'], name: 'sig' },
      ],
      inputs: [{ name: 'x', dims: [1, 3, 10, 10] }],
      outputs: [{ name: 'y' }],
      initializers: { W },
    });
    const plan = planQuantization(loadModelBytes(bytes, 'sig.onnx').graph);
    expect(plan.report.find((r) => r.name === 'conv')!.quantized).toBe(true);
    const sig = plan.report.find((r) => r.name === 'sig')!;
    expect(sig.quantized).toBe(false);
    expect(sig.reason).toMatch(/FP32/);
  });
});

describeShared('shared models: import, shape inference and our FP32 interpreter against onnxruntime', () => {
  for (const name of ['mnist', 'squeezenet1.1', 'mobilenet_v1_0.25', 'ultraface_rfb320']) {
    it(name, async () => {
      const m = loadModel(modelPath(name));
      const g = m.graph;
      for (const n of g.nodes) for (const o of n.outputs) if (o) expect(g.shapes.has(o), `shape of ${o}`).toBe(true);
      const dims = g.inputs[0]!.dims;
      const x = randomTensor(dims, rng(3), name === 'mnist' ? 255 : 2);
      const ours = runGraph(g, { [g.inputs[0]!.name]: x });
      const ref = await ortRun(m.bytes, { [g.inputs[0]!.name]: x });
      for (const o of g.outputs) {
        const a = ours.get(o.name)!.data;
        const b = ref[o.name]!;
        let mx = 0;
        for (const v of b) mx = Math.max(mx, Math.abs(v));
        expect(maxDiff(a, b)).toBeLessThan(1e-4 * (1 + mx));
        expect(o.dims.reduce((p, q) => p * q, 1)).toBe(b.length);
      }
    });
  }
  it('mnist: bias Adds fold into Conv/Gemm and Relu fuses', () => {
    const m = loadModel(modelPath('mnist'));
    expect(m.graph.nodes.map((n) => n.op + (n.act ? '+' + n.act.kind : ''))).toEqual(['Conv+relu', 'MaxPool', 'Conv+relu', 'MaxPool', 'Reshape', 'Gemm']);
    expect(planQuantization(m.graph).layers.map((l) => l.op)).toEqual(['Conv', 'Conv', 'Gemm']);
  });
  it('writes nothing when loading fails', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-imp-'));
    const f = path.join(dir, 'bad.onnx');
    fs.writeFileSync(f, 'garbage');
    expect(() => loadModel(f)).toThrow(/bad\.onnx/);
    expect(fs.readdirSync(dir)).toEqual(['bad.onnx']);
  });
});
