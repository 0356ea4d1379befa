import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { buildQdqGraph, exportQdqOnnx, quantizeWeight, roundHalfEven } from '../../src-main/core/export/qdq-onnx.js';
import type { Graph } from '../../src-main/core/graph/ir.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { encodeModel, graphToModelProto } from '../../src-main/core/onnx/export-graph.js';
import { modelToGraph } from '../../src-main/core/onnx/import.js';
import { readModelProto } from '../../src-main/io/model-file.js';
import { DataType, onnx } from '../../src-main/core/onnx/proto.js';
import type { LayerScales, ScaleTable } from '../../src-main/core/quant/scale-table.js';
import { describeShared, modelPath } from '../helpers/shared.js';

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

async function runOrt(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const session = await ort.InferenceSession.create(bytes);
  const f: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', v.data, v.dims);
  const res = await session.run(f);
  const out: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const name of session.outputNames) out[name] = { data: res[name]!.data as Float32Array, dims: [...res[name]!.dims] };
  await session.release();
  return out;
}

const f32 = (dims: number[], data: Float32Array): Tensor => ({ dtype: 'float32', dims, data });

// ---------------------------------------------------------------------------------------
// fake quantization, written from the scale convention: q = clip(round(x*S), -qmax, qmax), x ≈ q/S

function fakeQuant(x: ArrayLike<number>, s: number, qmax: number, lowest = -qmax, highest = qmax): Float64Array {
  return Float64Array.from(x as ArrayLike<number>, (v) => Math.min(highest, Math.max(lowest, roundHalfEven(v * s))) / s);
}

function fakeQuantWeight(w: Float32Array, dims: number[], axis: number, scales: number[], qmax: number): Float64Array {
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const c = dims[axis]!;
  return Float64Array.from(w, (v, i) => {
    const s = scales[Math.floor(i / inner) % c]!;
    return Math.min(qmax, Math.max(-qmax, roundHalfEven(v * s))) / s;
  });
}

function conv2d(x: ArrayLike<number>, xd: number[], w: ArrayLike<number>, wd: number[], b: ArrayLike<number>, pad: number): Float64Array {
  const [, cin, h, wi] = xd as [number, number, number, number];
  const [cout, , kh, kw] = wd as [number, number, number, number];
  const oh = h + 2 * pad - kh + 1;
  const ow = wi + 2 * pad - kw + 1;
  const out = new Float64Array(cout * oh * ow);
  for (let co = 0; co < cout; co++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        let s = b[co]!;
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
  return out;
}

/** y[n] = sum_k x[k] * W(n, k) + b[n]; W is [N,K] (transB=1) or [K,N] (transB=0) */
function gemm(x: ArrayLike<number>, w: ArrayLike<number>, n: number, k: number, transB: boolean, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = b[j]!;
    for (let i = 0; i < k; i++) s += x[i]! * w[transB ? j * k + i : i * n + j]!;
    out[j] = s;
  }
  return out;
}

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

// ---------------------------------------------------------------------------------------
// tiny model: x[1,2,5,5] → Conv 3x3 (pad 1) + fused Relu → Flatten → Gemm → y[1,4]

const XD = [1, 2, 5, 5];
const WD = [3, 2, 3, 3];
const K = 75;
const N = 4;
const W1 = randomData(54, 1, -0.5, 0.5);
const B1 = randomData(3, 2, -0.1, 0.1);
const B2 = randomData(N, 4, -0.2, 0.2);
const X = randomData(50, 5, -2.5, 2.5);

function tinyGraph(transB: boolean, w2: Float32Array): Graph {
  return {
    name: 'tiny',
    opset: 13,
    inputs: [{ name: 'x', dims: XD, dtype: '1' }],
    outputs: [{ name: 'y', dims: [1, N], dtype: '1' }],
    nodes: [
      {
        name: 'conv1',
        op: 'Conv',
        domain: '',
        inputs: ['x', 'w1', 'b1'],
        outputs: ['conv1_relu'],
        attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
        act: { kind: 'relu', min: 0, max: Infinity, node: 'relu1' },
        preActOutput: 'conv1_out',
      },
      { name: 'flatten', op: 'Flatten', domain: '', inputs: ['conv1_relu'], outputs: ['flat'], attrs: { axis: 1 } },
      { name: 'fc', op: 'Gemm', domain: '', inputs: ['flat', 'w2', 'b2'], outputs: ['y'], attrs: transB ? { transB: 1 } : {} },
    ],
    initializers: new Map<string, Tensor>([
      ['w1', f32(WD, W1)],
      ['b1', f32([3], B1)],
      ['w2', f32(transB ? [N, K] : [K, N], w2)],
      ['b2', f32([N], B2)],
    ]),
    shapes: new Map(),
  };
}

function channelMaxAbs(w: Float32Array, dims: number[], axis: number): number[] {
  const c = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const m = new Array<number>(c).fill(0);
  w.forEach((v, i) => {
    const ch = Math.floor(i / inner) % c;
    m[ch] = Math.max(m[ch]!, Math.abs(v));
  });
  return m;
}

function tinyTable(bits: number, transB: boolean, w2: Float32Array): ScaleTable {
  const qmax = 2 ** (bits - 1) - 1;
  // conv weights: channel 1 gets a scale 20% too big so its largest weights clip at qmax
  const s1 = channelMaxAbs(W1, WD, 0).map((m, c) => (qmax / m) * (c === 1 ? 1.2 : 1));
  const s2 = channelMaxAbs(w2, transB ? [N, K] : [K, N], transB ? 0 : 1).map((m) => qmax / m);
  // input threshold 2.0 while x spans ±2.5: clipping is exercised
  const sx = qmax / 2.0;
  const fp = fpForward(transB, w2);
  const sf = qmax / (0.7 * maxAbs(fp.flat));
  return {
    bits,
    qmax,
    method: 'minmax',
    modelSha256: '0'.repeat(64),
    modelFile: 'tiny.onnx',
    layers: [
      { name: 'conv1', op: 'Conv', input: 'x', output: 'conv1_relu', weight: 'w1', weightScales: s1, inputScale: sx },
      { name: 'fc', op: 'Gemm', input: 'flat', output: 'y', weight: 'w2', weightScales: s2, inputScale: sf },
    ],
    tensors: { x: sx, flat: sf },
    settings: {},
    createdAt: '2025-01-01T00:00:00Z',
  };
}

function fpForward(transB: boolean, w2: Float32Array) {
  const flat = conv2d(X, XD, W1, WD, B1, 1).map((v) => Math.max(0, v));
  return { flat, y: gemm(flat, w2, N, K, transB, B2) };
}

function fakeQuantForward(table: ScaleTable, transB: boolean, w2: Float32Array, lowest: number, highest = table.qmax): Float64Array {
  const [l1, l2] = table.layers as [LayerScales, LayerScales];
  const q = table.qmax;
  const xq = fakeQuant(X, l1.inputScale, q, lowest, highest);
  const w1q = fakeQuantWeight(W1, WD, 0, l1.weightScales, q);
  const flat = conv2d(xq, XD, w1q, WD, B1, 1).map((v) => Math.max(0, v));
  const fq = fakeQuant(flat, l2.inputScale, q, lowest, highest);
  const w2q = fakeQuantWeight(w2, transB ? [N, K] : [K, N], transB ? 0 : 1, l2.weightScales, q);
  return gemm(fq, w2q, N, K, transB, B2);
}

describe('QDQ export of a tiny Conv+Relu → Gemm model', () => {
  const cases: { bits: number; transB: boolean; clipToQmax?: boolean }[] = [
    { bits: 8, transB: true },
    { bits: 8, transB: false },
    { bits: 8, transB: true, clipToQmax: true },
    { bits: 7, transB: true },
    { bits: 7, transB: false },
    { bits: 4, transB: true },
  ];
  for (const c of cases) {
    it(`bits ${c.bits}, Gemm transB=${c.transB ? 1 : 0}${c.clipToQmax ? ', clipToQmax' : ''}: ORT matches the fake-quant reference`, async () => {
      const w2 = randomData(K * N, 3, -0.3, 0.3);
      const graph = tinyGraph(c.transB, w2);
      const table = tinyTable(c.bits, c.transB, w2);
      const bytes = exportQdqOnnx(graph, table, { clipToQmax: c.clipToQmax });
      const out = await runOrt(bytes, { x: { data: X, dims: XD } });
      expect(out['y']!.dims).toEqual([1, N]);
      // 8 bits without clipToQmax: QuantizeLinear may give -128 (documented)
      const lowest = c.bits === 8 && !c.clipToQmax ? -128 : -table.qmax;
      const ref = fakeQuantForward(table, c.transB, w2, lowest);
      expect(maxDiff(out['y']!.data, ref)).toBeLessThan(1e-4);
      // the test has teeth: quantization moves the output well beyond the tolerance
      const fp = fpForward(c.transB, w2).y;
      expect(maxDiff(out['y']!.data, fp)).toBeGreaterThan(1e-3);
      // and 8 vs -128 matters here: x spans ±2.5 with threshold 2
      if (c.bits === 8) {
        const other = fakeQuantForward(table, c.transB, w2, lowest === -128 ? -127 : -128);
        expect(maxDiff(ref, other)).toBeGreaterThan(1e-4);
      } else {
        // without the Clip before QuantizeLinear the activations would use the full int8 range
        const unclipped = fakeQuantForward(table, c.transB, w2, -128, 127);
        expect(maxDiff(ref, unclipped)).toBeGreaterThan(1e-3);
      }
    });
  }

  it('writes int8 weights with per-axis DequantizeLinear and one Q/DQ pair per input tensor', () => {
    for (const transB of [true, false]) {
      const w2 = randomData(K * N, 3, -0.3, 0.3);
      const table = tinyTable(7, transB, w2);
      const m = onnx.ModelProto.decode(exportQdqOnnx(tinyGraph(transB, w2), table));
      const g = m.graph!;
      expect(m.opsetImport.find((o) => !o.domain)!.version.toString()).toBe('13');
      const inits = new Map(g.initializer!.map((t) => [t.name, t]));
      expect(inits.has('w1')).toBe(false);
      expect(inits.has('w2')).toBe(false);
      const w1q = inits.get('w1_quantized')!;
      expect(w1q.dataType).toBe(DataType.INT8);
      const q = new Int8Array(w1q.rawData!.buffer, w1q.rawData!.byteOffset, w1q.rawData!.length);
      expect([...q]).toEqual([...quantizeWeight(f32(WD, W1), 0, table.layers[0]!.weightScales, 63)]);
      expect(Math.max(...[...q].map(Math.abs))).toBe(63); // channel 1 clipped at qmax
      const bias = inits.get('b1')!;
      expect(bias.dataType).toBe(DataType.FLOAT);
      const dq = (name: string) => g.node!.find((n) => n.opType === 'DequantizeLinear' && n.output![0] === `${name}_dequantized`)!;
      expect(String(dq('w1').attribute!.find((a) => a.name === 'axis')!.i)).toBe('0');
      expect(String(dq('w2').attribute!.find((a) => a.name === 'axis')!.i)).toBe(transB ? '0' : '1');
      const ops = g.node!.map((n) => n.opType);
      expect(ops.filter((o) => o === 'QuantizeLinear')).toHaveLength(2);
      expect(ops.filter((o) => o === 'Clip')).toHaveLength(2); // INT7 range clips
      expect(ops.filter((o) => o === 'Relu')).toHaveLength(1); // fused activation unfused
      const conv = g.node!.find((n) => n.name === 'conv1')!;
      expect(conv.input).toEqual(['x_dequantized', 'w1_dequantized', 'b1']);
      expect(conv.output).toEqual(['conv1_out']);
      const sc = inits.get('x_scale')!;
      expect(new DataView(sc.rawData!.buffer, sc.rawData!.byteOffset).getFloat32(0, true)).toBe(Math.fround(2 / 63));
    }
  });

  it('shares one Q/DQ pair between layers reading the same tensor with the same scale', async () => {
    const wa = randomData(3 * 2 * 9, 21, -0.5, 0.5);
    const wb = randomData(3 * 2 * 9, 22, -0.5, 0.5);
    const wc = randomData(3 * 2 * 9, 23, -0.5, 0.5);
    const zeros = new Float32Array(3);
    const conv = (name: string, w: string) => ({
      name,
      op: 'Conv',
      domain: '',
      inputs: ['x', w, 'b'],
      outputs: [`${name}_out`],
      attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
    });
    const graph: Graph = {
      name: 'shared',
      opset: 13,
      inputs: [{ name: 'x', dims: XD, dtype: '1' }],
      outputs: [
        { name: 'y', dims: [1, 3, 5, 5], dtype: '1' },
        { name: 'c_out', dims: [1, 3, 5, 5], dtype: '1' },
      ],
      nodes: [conv('a', 'wa'), conv('b', 'wb'), { name: 'add', op: 'Add', domain: '', inputs: ['a_out', 'b_out'], outputs: ['y'], attrs: {} }, conv('c', 'wc')],
      initializers: new Map<string, Tensor>([
        ['wa', f32(WD, wa)],
        ['wb', f32(WD, wb)],
        ['wc', f32(WD, wc)],
        ['b', f32([3], zeros)],
      ]),
      shapes: new Map(),
    };
    const ws = (w: Float32Array) => channelMaxAbs(w, WD, 0).map((m) => 127 / m);
    const layer = (name: string, w: string, data: Float32Array, s: number): LayerScales => ({
      name,
      op: 'Conv',
      input: 'x',
      output: `${name}_out`,
      weight: w,
      weightScales: ws(data),
      inputScale: s,
    });
    const table: ScaleTable = {
      bits: 8,
      qmax: 127,
      method: 'eq',
      modelSha256: '0'.repeat(64),
      modelFile: 'x',
      layers: [layer('a', 'wa', wa, 50), layer('b', 'wb', wb, 50), layer('c', 'wc', wc, 40)],
      tensors: { x: 50 },
      settings: {},
      createdAt: '2025-01-01T00:00:00Z',
    };
    const g = buildQdqGraph(graph, table);
    const qs = g.nodes.filter((n) => n.op === 'QuantizeLinear');
    expect(qs.map((n) => n.inputs[0])).toEqual(['x', 'x']);
    const byName = new Map(g.nodes.map((n) => [n.name, n]));
    expect(byName.get('a')!.inputs[0]).toBe(byName.get('b')!.inputs[0]);
    expect(byName.get('c')!.inputs[0]).not.toBe(byName.get('a')!.inputs[0]);
    // the model runs and matches the reference
    const out = await runOrt(encodeModel(graphToModelProto(g)), { x: { data: X, dims: XD } });
    const wq = (w: Float32Array) => fakeQuantWeight(w, WD, 0, ws(w), 127);
    const x50 = fakeQuant(X, 50, 127, -128);
    const x40 = fakeQuant(X, 40, 127, -128);
    const ya = conv2d(x50, XD, wq(wa), WD, zeros, 1);
    const yb = conv2d(x50, XD, wq(wb), WD, zeros, 1);
    expect(
      maxDiff(
        out['y']!.data,
        ya.map((v, i) => v + yb[i]!),
      ),
    ).toBeLessThan(1e-4);
    expect(maxDiff(out['c_out']!.data, conv2d(x40, XD, wq(wc), WD, zeros, 1))).toBeLessThan(1e-4);
  });

  it('names the layer or tensor the graph lacks', () => {
    const w2 = randomData(K * N, 3, -0.3, 0.3);
    const graph = tinyGraph(true, w2);
    const base = () => tinyTable(8, true, w2);
    const withLayer = (f: (l: LayerScales) => void) => {
      const t = base();
      f(t.layers[1]!);
      return t;
    };
    expect(() =>
      exportQdqOnnx(
        graph,
        withLayer((l) => (l.name = 'fc9')),
      ),
    ).toThrow("scale table layer 'fc9' (Gemm): graph 'tiny' has no node named 'fc9'");
    expect(() =>
      exportQdqOnnx(
        graph,
        withLayer((l) => (l.op = 'Conv')),
      ),
    ).toThrow("scale table layer 'fc' (Conv): node 'fc' is a Gemm, not a Conv");
    expect(() =>
      exportQdqOnnx(
        graph,
        withLayer((l) => (l.weight = 'nope')),
      ),
    ).toThrow("scale table layer 'fc' (Gemm): weight 'nope' is not an initializer of the graph");
    expect(() =>
      exportQdqOnnx(
        graph,
        withLayer((l) => (l.weight = 'b2')),
      ),
    ).toThrow(/weight 'b2' is not the weight input of node 'fc'/);
    expect(() =>
      exportQdqOnnx(
        graph,
        withLayer((l) => (l.input = 'conv1_relu')),
      ),
    ).toThrow(/input tensor 'conv1_relu' is not the data input of node 'fc' \(which reads 'flat'\)/);
    expect(() =>
      exportQdqOnnx(
        graph,
        withLayer((l) => (l.weightScales = [1, 2])),
      ),
    ).toThrow(/2 weight scales for 4 output channels/);
    expect(() =>
      exportQdqOnnx(
        graph,
        withLayer((l) => (l.inputScale = 0)),
      ),
    ).toThrow(/layer 'fc' \(Gemm\): scale 0/);
    const t = base();
    t.tensors['ghost'] = 3;
    expect(() => exportQdqOnnx(graph, t)).toThrow(/tensor 'ghost' \(in "tensors"\) is not a tensor of graph 'tiny'/);
  });
});

// ---------------------------------------------------------------------------------------

/** Max-abs scales: per-channel weights, and layer inputs captured from one ORT FP32 run. */
async function maxAbsTable(graph: Graph, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<ScaleTable> {
  const convs = graph.nodes.filter((n) => n.op === 'Conv' && graph.initializers.has(n.inputs[1]!));
  const inputs = [...new Set(convs.map((n) => n.inputs[0]!))];
  const probe: Graph = { ...graph, outputs: [...graph.outputs, ...inputs.filter((i) => !graph.outputs.some((o) => o.name === i)).map((name) => ({ name, dims: [], dtype: '1' }))] };
  const acts = await runOrt(encodeModel(graphToModelProto(probe)), feeds);
  const tensors: Record<string, number> = {};
  for (const i of inputs) tensors[i] = 127 / Math.max(maxAbs(acts[i]!.data), 1e-6);
  const layers = convs.map((n): LayerScales => {
    const w = graph.initializers.get(n.inputs[1]!)!;
    return {
      name: n.name,
      op: 'Conv',
      input: n.inputs[0]!,
      output: n.outputs[0]!,
      weight: n.inputs[1]!,
      weightScales: channelMaxAbs(w.data as Float32Array, w.dims, 0).map((m) => 127 / Math.max(m, 1e-12)),
      inputScale: tensors[n.inputs[0]!]!,
    };
  });
  return { bits: 8, qmax: 127, method: 'minmax', modelSha256: '0'.repeat(64), modelFile: 'model.onnx', layers, tensors, settings: {}, createdAt: '2025-01-01T00:00:00Z' };
}

const argmax = (a: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
};

describeShared('QDQ export of shared models with max-abs scales', () => {
  const models: [string, number, number, number[]][] = [
    ['squeezenet1.1', -100, 150, [1, 1000, 1, 1]],
    ['mobilenet_v1_0.25', -1, 1, [1, 1001]],
  ];
  for (const [name, lo, hi, outDims] of models) {
    it(`${name}: loads and runs in onnxruntime`, async () => {
      const file = modelPath(name);
      const graph = modelToGraph(readModelProto(file), file);
      const v = graph.inputs[0]!;
      const feeds = {
        [v.name]: {
          data: randomData(
            v.dims.reduce((a, b) => a * b, 1),
            77,
            lo,
            hi,
          ),
          dims: v.dims,
        },
      };
      const table = await maxAbsTable(graph, feeds);
      expect(table.layers.length).toBeGreaterThan(20);
      const bytes = exportQdqOnnx(graph, table);
      const m = onnx.ModelProto.decode(bytes);
      expect(m.graph!.node!.filter((n) => n.opType === 'QuantizeLinear').length).toBe(Object.keys(table.tensors).length);
      expect(m.graph!.initializer!.filter((t) => t.dataType === DataType.INT8 && t.dims!.length === 4).length).toBe(table.layers.length);
      const out = await runOrt(bytes, feeds);
      const outName = graph.outputs[0]!.name;
      expect(out[outName]!.dims).toEqual(outDims);
      const ref = await runOrt(encodeModel(graphToModelProto(graph)), feeds);
      const a = out[outName]!.data;
      const b = ref[outName]!.data;
      // softmax outputs: 8-bit max-abs quantization keeps the distribution close
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < a.length; i++) {
        dot += a[i]! * b[i]!;
        na += a[i]! * a[i]!;
        nb += b[i]! * b[i]!;
      }
      expect(dot / Math.sqrt(na * nb)).toBeGreaterThan(0.9);
      const top = argmax(a);
      expect(top).toBeGreaterThanOrEqual(0);
      expect(top).toBeLessThan(outDims[1]!);
      const sorted = [...a].map((v, i) => [v, i] as const).sort((x, y) => y[0] - x[0]);
      expect(sorted.slice(0, 5).map((x) => x[1])).toContain(argmax(b));
    });
  }
});
