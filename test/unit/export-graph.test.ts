import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { Graph, Node } from '../../src-main/core/graph/ir.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { decodeModelProto, modelToGraph } from '../../src-main/core/onnx/import.js';
import { readModelProto } from '../../src-main/io/model-file.js';
import { encodeInitializer, encodeModel, graphToModelProto, toOpset13 } from '../../src-main/core/onnx/export-graph.js';
import { AttributeType, DataType, type IAttributeProto, type IModelProto, type INodeProto, onnx } from '../../src-main/core/onnx/proto.js';
import { describeShared, modelPath } from '../helpers/shared.js';

// ---------------------------------------------------------------------------------------
// helpers

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomData(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

type Feeds = Record<string, { data: Float32Array; dims: number[] }>;

async function runOrt(bytes: Uint8Array, feeds: Feeds): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const session = await ort.InferenceSession.create(bytes);
  const f: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', v.data, v.dims);
  const res = await session.run(f);
  const out: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
  for (const name of session.outputNames) {
    const t = res[name]!;
    out[name] = { data: Float32Array.from(t.data as ArrayLike<number>, Number), dims: t.dims };
  }
  await session.release();
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string, range?: number): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let maxAbs = range ?? 0;
  for (let i = 0; i < expected.length; i++) maxAbs = Math.max(maxAbs, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const tol = rel * Math.abs(e) + rel * 1e-2 * maxAbs + 1e-30;
    if (!(Math.abs(a - e) <= tol)) throw new Error(`${what}[${i}]: ${a} vs ${e} (tolerance ${tol})`);
  }
}

// building small ONNX models of older opsets by hand

const attrF = (name: string, f: number): IAttributeProto => ({ name, type: AttributeType.FLOAT, f });
const attrFs = (name: string, floats: number[]): IAttributeProto => ({ name, type: AttributeType.FLOATS, floats });
const attrI = (name: string, i: number): IAttributeProto => ({ name, type: AttributeType.INT, i });
const attrIs = (name: string, ints: number[]): IAttributeProto => ({ name, type: AttributeType.INTS, ints });
const attrS = (name: string, s: string): IAttributeProto => ({ name, type: AttributeType.STRING, s: new TextEncoder().encode(s) });

function nodeP(op: string, inputs: string[], outputs: string[], attribute: IAttributeProto[] = [], name?: string): INodeProto {
  return { opType: op, input: inputs, output: outputs, attribute, name: name ?? `${op}_${outputs[0]}` };
}

function vi(name: string, dims: number[] | undefined, elemType: number = DataType.FLOAT) {
  return { name, type: { tensorType: { elemType, ...(dims ? { shape: { dim: dims.map((d) => ({ dimValue: d })) } } : {}) } } };
}

function modelP(opset: number, nodes: INodeProto[], inputs: [string, number[]][], outputs: string[], inits: [string, Tensor][] = []): IModelProto {
  return {
    irVersion: opset < 8 ? 3 : opset < 10 ? 4 : 5,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'test',
    graph: {
      name: 'g',
      node: nodes,
      initializer: inits.map(([n, t]) => encodeInitializer(n, t)),
      input: inputs.map(([n, d]) => vi(n, d)),
      output: outputs.map((o) => vi(o, undefined)),
    },
  };
}

const f32 = (dims: number[], values: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(values) });

/** Runs the old-opset model and its opset-13 re-export on the same random input; returns the export. */
async function checkUpgrade(model: IModelProto, seed = 1): Promise<IModelProto> {
  const bytes = encodeModel(model);
  const graph = modelToGraph(decodeModelProto(bytes, 'hand-built'), 'hand-built');
  const exported = graphToModelProto(graph);
  const exBytes = encodeModel(exported);
  const feeds: Feeds = {};
  for (const v of graph.inputs) {
    const n = v.dims.reduce((a, b) => a * b, 1);
    feeds[v.name] = { data: randomData(n, seed++, -2, 2), dims: v.dims };
  }
  const ref = await runOrt(bytes, feeds);
  const got = await runOrt(exBytes, feeds);
  expect(Object.keys(got).sort()).toEqual(Object.keys(ref).sort());
  for (const k of Object.keys(ref)) {
    expect([...got[k]!.dims], k).toEqual([...ref[k]!.dims]);
    expectClose(got[k]!.data, ref[k]!.data, 1e-5, k);
  }
  return exported;
}

const opsOf = (m: IModelProto) => (m.graph!.node ?? []).map((n) => n.opType);
const exportedOpset = (m: IModelProto) => Number(m.opsetImport!.find((o) => !o.domain)!.version);

// ---------------------------------------------------------------------------------------

describe('export-graph: opset upgrades against onnxruntime', () => {
  it('Clip-6 min/max attributes become constant inputs', async () => {
    const m = await checkUpgrade(modelP(9, [nodeP('Clip', ['x'], ['y'], [attrF('min', -0.5), attrF('max', 0.7)])], [['x', [1, 3, 4, 4]]], ['y']));
    expect(exportedOpset(m)).toBe(13);
    const clip = m.graph!.node!.find((n) => n.opType === 'Clip')!;
    expect(clip.input).toHaveLength(3);
    expect(clip.attribute ?? []).toHaveLength(0);
  });

  it('Clip-6 with only max keeps min omitted', async () => {
    const m = await checkUpgrade(modelP(9, [nodeP('Clip', ['x'], ['y'], [attrF('max', 0.25)])], [['x', [2, 5]]], ['y']));
    expect(m.graph!.node![0]!.input).toEqual(['x', '', 'Clip_y_max']);
  });

  it('Slice-1 attributes become inputs (with INT64_MAX-like ends)', async () => {
    await checkUpgrade(modelP(9, [nodeP('Slice', ['x'], ['y'], [attrIs('starts', [1, 0]), attrIs('ends', [3, 2 ** 62]), attrIs('axes', [2, 3])])], [['x', [1, 2, 5, 4]]], ['y']));
    await checkUpgrade(modelP(9, [nodeP('Slice', ['x'], ['y'], [attrIs('starts', [0, 1]), attrIs('ends', [1, -1])])], [['x', [3, 4]]], ['y']));
  });

  it('int64 initializers holding INT64_MAX are saturated, not wrapped', async () => {
    // Slice-10 with ends = INT64_MAX as PyTorch writes it
    const big: Tensor = { dtype: 'int64', dims: [1], data: Float64Array.of(2 ** 63) }; // INT64_MAX read into a double
    await checkUpgrade(
      modelP(
        10,
        [nodeP('Slice', ['x', 's', 'e', 'a'], ['y'])],
        [['x', [2, 6]]],
        ['y'],
        [
          ['s', { dtype: 'int64', dims: [1], data: Float64Array.of(2) }],
          ['e', big],
          ['a', { dtype: 'int64', dims: [1], data: Float64Array.of(1) }],
        ],
      ),
    );
  });

  it('Softmax/LogSoftmax before 13: rewritten when the axis is not the last one, plain otherwise', async () => {
    const a = await checkUpgrade(modelP(9, [nodeP('Softmax', ['x'], ['y'], [attrI('axis', 1)])], [['x', [2, 3, 4, 5]]], ['y']));
    expect(opsOf(a)).toEqual(['Shape', 'Flatten', 'Softmax', 'Reshape']);
    const b = await checkUpgrade(modelP(9, [nodeP('Softmax', ['x'], ['y'], [])], [['x', [2, 3, 4]]], ['y'])); // default axis 1
    expect(opsOf(b)).toEqual(['Shape', 'Flatten', 'Softmax', 'Reshape']);
    const c = await checkUpgrade(modelP(9, [nodeP('LogSoftmax', ['x'], ['y'], [attrI('axis', 3)])], [['x', [2, 3, 4, 5]]], ['y']));
    expect(opsOf(c)).toEqual(['LogSoftmax']);
    const d = await checkUpgrade(modelP(11, [nodeP('Softmax', ['x'], ['y'], [attrI('axis', -1)])], [['x', [2, 3, 4]]], ['y']));
    expect(opsOf(d)).toEqual(['Softmax']);
    // rank found through a Reshape with a constant shape (as in ultraface)
    const e = await checkUpgrade(
      modelP(
        9,
        [nodeP('Reshape', ['x', 'shape'], ['r']), nodeP('Softmax', ['r'], ['y'], [attrI('axis', 2)])],
        [['x', [1, 6, 2, 2]]],
        ['y'],
        [['shape', { dtype: 'int64', dims: [3], data: Float64Array.of(1, -1, 2) }]],
      ),
    );
    expect(opsOf(e)).toEqual(['Reshape', 'Softmax']);
    await checkUpgrade(modelP(9, [nodeP('Hardmax', ['x'], ['y'], [attrI('axis', 1)])], [['x', [2, 3, 4]]], ['y']));
  });

  it('Squeeze/Unsqueeze axes attributes become inputs', async () => {
    const m = await checkUpgrade(
      modelP(11, [nodeP('Unsqueeze', ['x'], ['u'], [attrIs('axes', [0, 3])]), nodeP('Squeeze', ['u'], ['y'], [attrIs('axes', [0])])], [['x', [2, 3, 4]]], ['y']),
    );
    expect(m.graph!.node!.every((n) => n.input!.length === 2 && (n.attribute ?? []).length === 0)).toBe(true);
  });

  it('Pad-2 attributes become inputs (constant with value, reflect)', async () => {
    await checkUpgrade(modelP(9, [nodeP('Pad', ['x'], ['y'], [attrIs('pads', [0, 0, 1, 2, 0, 0, 2, 1]), attrF('value', 1.5)])], [['x', [1, 2, 3, 3]]], ['y']));
    await checkUpgrade(modelP(9, [nodeP('Pad', ['x'], ['y'], [attrS('mode', 'reflect'), attrIs('pads', [0, 0, 1, 1, 0, 0, 1, 1])])], [['x', [1, 2, 4, 4]]], ['y']));
    await checkUpgrade(modelP(9, [nodeP('Pad', ['x'], ['y'], [attrS('mode', 'edge'), attrIs('pads', [0, 1, 0, 2])])], [['x', [3, 4]]], ['y']));
  });

  it('Upsample-7/9 and Resize-10 become Resize-13', async () => {
    const a = await checkUpgrade(
      modelP(9, [nodeP('Upsample', ['x', 'scales'], ['y'], [attrS('mode', 'nearest')])], [['x', [1, 2, 3, 4]]], ['y'], [['scales', f32([4], [1, 1, 2, 3])]]),
    );
    expect(opsOf(a)).toEqual(['Resize']);
    await checkUpgrade(modelP(9, [nodeP('Upsample', ['x', 'scales'], ['y'], [attrS('mode', 'linear')])], [['x', [1, 2, 3, 4]]], ['y'], [['scales', f32([4], [1, 1, 2, 2])]]));
    await checkUpgrade(modelP(7, [nodeP('Upsample', ['x'], ['y'], [attrS('mode', 'nearest'), attrFs('scales', [1, 1, 2, 2])])], [['x', [1, 1, 3, 3]]], ['y']));
    await checkUpgrade(modelP(8, [nodeP('Upsample', ['x'], ['y'], [attrS('mode', 'linear'), attrFs('scales', [1, 1, 1.5, 2])])], [['x', [1, 1, 4, 3]]], ['y']));
    await checkUpgrade(modelP(10, [nodeP('Resize', ['x', 'scales'], ['y'], [attrS('mode', 'nearest')])], [['x', [1, 2, 7, 5]]], ['y'], [['scales', f32([4], [1, 1, 0.5, 0.6])]]));
    await checkUpgrade(modelP(10, [nodeP('Resize', ['x', 'scales'], ['y'], [attrS('mode', 'linear')])], [['x', [1, 2, 3, 5]]], ['y'], [['scales', f32([4], [1, 1, 2, 1.5])]]));
  });

  it('BatchNormalization-7 (spatial) and Dropout-7 (ratio) drop their legacy attributes', async () => {
    const m = await checkUpgrade(
      modelP(
        7,
        [
          nodeP('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['bn'], [attrI('spatial', 1), attrF('epsilon', 1e-3), attrF('momentum', 0.9)]),
          nodeP('Dropout', ['bn'], ['y', 'mask'], [attrF('ratio', 0.3)]),
        ],
        [['x', [1, 3, 2, 2]]],
        ['y'],
        [
          ['s', f32([3], [1, 2, 0.5])],
          ['b', f32([3], [0.1, -0.2, 0.3])],
          ['m', f32([3], [0.5, 0, -1])],
          ['v', f32([3], [1, 4, 0.25])],
        ],
      ),
    );
    const bn = m.graph!.node!.find((n) => n.opType === 'BatchNormalization')!;
    expect((bn.attribute ?? []).map((a) => a.name).sort()).toEqual(['epsilon', 'momentum']);
    const dr = m.graph!.node!.find((n) => n.opType === 'Dropout')!;
    expect(dr.attribute ?? []).toHaveLength(0);
    expect(dr.output).toEqual(['y']);
  });

  it('Split/ReduceSum/TopK attributes become inputs; float attributes stay floats', async () => {
    await checkUpgrade(
      modelP(
        9,
        [nodeP('Split', ['x'], ['a', 'b'], [attrI('axis', 1), attrIs('split', [1, 2])]), nodeP('ReduceSum', ['b'], ['y'], [attrIs('axes', [1]), attrI('keepdims', 0)])],
        [['x', [2, 3, 4]]],
        ['a', 'y'],
      ),
    );
    // TopK values only (indices are int64)
    await checkUpgrade(modelP(9, [nodeP('TopK', ['x'], ['v', 'i'], [attrI('k', 2), attrI('axis', -1)])], [['x', [3, 5]]], ['v']));
    // alpha = 1.0 and beta = 2.0 are whole numbers but must still be written as FLOAT
    const m = await checkUpgrade(
      modelP(
        9,
        [nodeP('LeakyRelu', ['x'], ['l'], [attrF('alpha', 1)]), nodeP('Gemm', ['l', 'w', 'c'], ['y'], [attrF('alpha', 2), attrF('beta', 1), attrI('transB', 1)])],
        [['x', [2, 3]]],
        ['y'],
        [
          [
            'w',
            f32(
              [4, 3],
              Array.from({ length: 12 }, (_, i) => i / 10 - 0.5),
            ),
          ],
          ['c', f32([4], [1, 2, 3, 4])],
        ],
      ),
    );
    const gemm = m.graph!.node!.find((n) => n.opType === 'Gemm')!;
    expect(gemm.attribute!.find((a) => a.name === 'alpha')!.type).toBe(AttributeType.FLOAT);
    expect(gemm.attribute!.find((a) => a.name === 'transB')!.type).toBe(AttributeType.INT);
  });

  it('ImageScaler (removed at opset 10) becomes Mul + Add', async () => {
    const m = await checkUpgrade(modelP(8, [nodeP('ImageScaler', ['x'], ['y'], [attrF('scale', 0.5), attrFs('bias', [1, -2, 3])])], [['x', [1, 3, 2, 2]]], ['y']));
    expect(opsOf(m)).toEqual(['Mul', 'Add']);
  });

  it('opset-6 Add with broadcast/axis gets a reshaped constant B', async () => {
    const graph: Graph = {
      name: 'g',
      opset: 6,
      inputs: [{ name: 'x', dims: [1, 3, 2, 2], dtype: '1' }],
      outputs: [{ name: 'y', dims: [1, 3, 2, 2], dtype: '1' }],
      nodes: [{ name: 'add', op: 'Add', domain: '', inputs: ['x', 'b'], outputs: ['y'], attrs: { broadcast: 1, axis: 1, consumed_inputs: [0, 0] } }],
      initializers: new Map([['b', f32([3], [10, 20, 30])]]),
      shapes: new Map(),
    };
    const m = graphToModelProto(graph);
    const add = m.graph!.node![0]!;
    expect(add.attribute ?? []).toHaveLength(0);
    expect(m.graph!.initializer!.find((t) => t.name === add.input![1])!.dims).toEqual([3, 1, 1]);
    const x = randomData(12, 9);
    const out = await runOrt(encodeModel(m), { x: { data: x, dims: [1, 3, 2, 2] } });
    expect([...out['y']!.data]).toEqual([...x].map((v, i) => Math.fround(v + [10, 20, 30][Math.floor(i / 4)]!)));
  });

  it('Reshape-1 shape attribute becomes an input', async () => {
    // onnxruntime has no opset-4 kernels, so check the export against the expected result
    const graph: Graph = {
      name: 'g',
      opset: 4,
      inputs: [{ name: 'x', dims: [2, 3, 4], dtype: '1' }],
      outputs: [{ name: 'y', dims: [6, 4], dtype: '1' }],
      nodes: [{ name: 'r', op: 'Reshape', domain: '', inputs: ['x'], outputs: ['y'], attrs: { shape: [6, -1] } }],
      initializers: new Map(),
      shapes: new Map(),
    };
    const m = graphToModelProto(graph);
    expect(m.graph!.node![0]!.input).toEqual(['x', 'r_shape']);
    const x = randomData(24, 3);
    const out = await runOrt(encodeModel(m), { x: { data: x, dims: [2, 3, 4] } });
    expect([...out['y']!.dims]).toEqual([6, 4]);
    expect([...out['y']!.data]).toEqual([...x]);
  });
});

// ---------------------------------------------------------------------------------------

function conv2d(x: Float32Array, xd: number[], w: Float32Array, wd: number[], b: Float32Array | undefined, pad: number): { data: Float64Array; dims: number[] } {
  const [, cin, h, wi] = xd as [number, number, number, number];
  const [cout, , kh, kw] = wd as [number, number, number, number];
  const oh = h + 2 * pad - kh + 1;
  const ow = wi + 2 * pad - kw + 1;
  const out = new Float64Array(cout * oh * ow);
  for (let co = 0; co < cout; co++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        let s = b ? b[co]! : 0;
        for (let ci = 0; ci < cin; ci++)
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = y + ky - pad;
              const ix = xx + kx - pad;
              if (iy < 0 || ix < 0 || iy >= h || ix >= wi) continue;
              s += x[(ci * h + iy) * wi + ix]! * w[((co * cin + ci) * kh + ky) * kw + kx]!;
            }
        out[(co * oh + y) * ow + xx] = s;
      }
  return { data: out, dims: [1, cout, oh, ow] };
}

describe('export-graph: fused activations', () => {
  const w = randomData(4 * 2 * 9, 11);
  const b = randomData(4, 12);
  const makeGraph = (opset: number, act: Node['act'], pre?: string): Graph => ({
    name: 'fused',
    opset,
    inputs: [{ name: 'x', dims: [1, 2, 6, 6], dtype: '1' }],
    outputs: [{ name: 'y', dims: [1, 4, 6, 6], dtype: '1' }],
    nodes: [
      {
        name: 'conv1',
        op: 'Conv',
        domain: '',
        inputs: ['x', 'w', 'b'],
        outputs: ['y'],
        attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] },
        act,
        ...(pre ? { preActOutput: pre } : {}),
      },
    ],
    initializers: new Map<string, Tensor>([
      ['w', { dtype: 'float32', dims: [4, 2, 3, 3], data: w }],
      ['b', { dtype: 'float32', dims: [4], data: b }],
    ]),
    shapes: new Map(),
  });
  const x = randomData(2 * 36, 13, -2, 2);
  const ref = conv2d(x, [1, 2, 6, 6], w, [4, 2, 3, 3], b, 1);
  // float32 (ORT) vs float64 (reference) accumulation: compare relative to the output range
  const range = 100 * Math.max(...ref.data.map(Math.abs));

  it('Conv + fused Relu is written as Conv(preActOutput) → Relu(output)', async () => {
    const g = makeGraph(13, { kind: 'relu', min: 0, max: Infinity, node: 'relu1' }, 'conv1_out');
    const m = graphToModelProto(g);
    const nodes = m.graph!.node!;
    expect(nodes.map((n) => [n.name, n.opType, n.input, n.output])).toEqual([
      ['conv1', 'Conv', ['x', 'w', 'b'], ['conv1_out']],
      ['relu1', 'Relu', ['conv1_out'], ['y']],
    ]);
    const out = await runOrt(encodeModel(m), { x: { data: x, dims: [1, 2, 6, 6] } });
    expectClose(
      out['y']!.data,
      ref.data.map((v) => Math.max(0, v)),
      1e-5,
      'y',
      range,
    );
    // the input graph is not modified
    expect(g.nodes[0]!.act).toBeDefined();
    expect(g.nodes).toHaveLength(1);
  });

  it('Conv + fused Clip (ReLU6) at opset 8 gets Clip with constant min/max inputs', async () => {
    const g = makeGraph(8, { kind: 'clip', min: 0, max: 0.5, node: 'clip1' });
    const m = graphToModelProto(g);
    expect(exportedOpset(m)).toBe(13);
    const nodes = m.graph!.node!;
    expect(nodes.map((n) => n.opType)).toEqual(['Conv', 'Clip']);
    expect(nodes[0]!.output).toEqual(['y_preact']);
    expect(nodes[1]!.input!.length).toBe(3);
    const out = await runOrt(encodeModel(m), { x: { data: x, dims: [1, 2, 6, 6] } });
    expectClose(
      out['y']!.data,
      ref.data.map((v) => Math.min(0.5, Math.max(0, v))),
      1e-5,
      'y',
      range,
    );
  });

  it('toOpset13 keeps names and shares initializers', () => {
    const g = makeGraph(13, { kind: 'relu', min: 0, max: Infinity, node: 'relu1' }, 'conv1_out');
    const u = toOpset13(g);
    expect(u.opset).toBe(13);
    expect(u.nodes.map((n) => n.name)).toEqual(['conv1', 'relu1']);
    expect(u.initializers.get('w')).toBe(g.initializers.get('w'));
  });
});

// ---------------------------------------------------------------------------------------

const SHARED_MODELS: [string, number, number][] = [
  // name, input fill lo, hi
  ['mnist', 0, 255],
  ['ultraface_rfb320', -1, 1],
  ['squeezenet1.1', -100, 150],
  ['mobilenet_v1_0.25', -1, 1],
];

describeShared('export-graph: shared models re-encoded at opset 13 run like the originals', () => {
  for (const [name, lo, hi] of SHARED_MODELS) {
    it(name, async () => {
      const file = modelPath(name);
      const graph = modelToGraph(readModelProto(file), file);
      const model = graphToModelProto(graph);
      expect(exportedOpset(model)).toBe(13);
      const bytes = encodeModel(model);
      // decodes with our own importer too
      const back = modelToGraph(decodeModelProto(bytes, 'exported'), 'exported');
      expect(back.opset).toBe(13);
      expect(back.inputs).toEqual(graph.inputs);
      expect(back.outputs.map((o) => o.name)).toEqual(graph.outputs.map((o) => o.name));
      const feeds: Feeds = {};
      graph.inputs.forEach((v, i) => {
        feeds[v.name] = {
          data: randomData(
            v.dims.reduce((a, b) => a * b, 1),
            100 + i,
            lo,
            hi,
          ),
          dims: v.dims,
        };
      });
      const ref = await runOrt(fs.readFileSync(file), feeds);
      const got = await runOrt(bytes, feeds);
      expect(Object.keys(got).sort()).toEqual(Object.keys(ref).sort());
      for (const k of Object.keys(ref)) {
        expect([...got[k]!.dims]).toEqual([...ref[k]!.dims]);
        expectClose(got[k]!.data, ref[k]!.data, 1e-5, `${name}:${k}`);
      }
    });
  }
});

describe('export-graph: model proto', () => {
  it('round-trips initializers and attributes through onnx-proto', () => {
    const g: Graph = {
      name: 'g',
      opset: 13,
      inputs: [{ name: 'x', dims: [-1, 3], dtype: 'float32' }],
      outputs: [{ name: 'y', dims: [], dtype: '1' }],
      nodes: [{ name: 'n', op: 'Add', domain: '', inputs: ['x', 'c'], outputs: ['y'], attrs: {} }],
      initializers: new Map<string, Tensor>([
        ['c', f32([3], [1, 2, 3])],
        ['unused', f32([1], [0])],
      ]),
      shapes: new Map(),
    };
    const m = onnx.ModelProto.decode(encodeModel(graphToModelProto(g)));
    expect((m.graph!.initializer ?? []).map((t) => t.name)).toEqual(['c']);
    const x = m.graph!.input![0]!.type!.tensorType!;
    expect(x.elemType).toBe(DataType.FLOAT);
    expect(x.shape!.dim!.map((d) => (d.dimValue ? Number(d.dimValue) : -1))).toEqual([-1, 3]);
    expect(m.graph!.output![0]!.type!.tensorType!.shape).toBeFalsy();
  });
});
