/**
 * Dynamically quantized models (DynamicQuantizeLinear → ConvInteger/MatMulInteger → Cast → Mul)
 * import as float Conv/MatMul with dequantized weights; constant DequantizeLinear folds.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import { buildModel, randomTensor, rng, type NodeSpec } from '../helpers/onnx-build.js';

const u8 = (dims: number[], r: () => number): Tensor => ({ dtype: 'uint8', dims, data: Uint8Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => Math.floor(r() * 256)) });

/** The chain onnxruntime's quantize_dynamic writes for one layer. */
function chain(op: 'ConvInteger' | 'MatMulInteger', x: string, y: string, attrs: NodeSpec['attrs'] = {}): NodeSpec[] {
  return [
    { op: 'DynamicQuantizeLinear', inputs: [x], outputs: ['xq', 'xs', 'xzp'], name: 'dql' },
    { op: 'Mul', inputs: ['xs', 'ws'], outputs: ['s'], name: 'scales' },
    { op, inputs: ['xq', 'wq', 'xzp', 'wzp'], outputs: ['yi'], name: 'layer', attrs },
    { op: 'Cast', inputs: ['yi'], outputs: ['yf'], name: 'cast', attrs: { to: 1 } },
    { op: 'Mul', inputs: ['yf', 's'], outputs: [y], name: 'rescale' },
  ];
}

async function ortRun(bytes: Uint8Array, x: Tensor): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  const r = await s.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.dims) });
  const out = r[s.outputNames[0]!]!.data as Float32Array;
  await s.release();
  return out;
}

function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

describe('import of dynamically quantized layers', () => {
  it('ConvInteger chain → float Conv with dequantized weights, same outputs as onnxruntime', async () => {
    const r = rng(3);
    const bytes = buildModel({
      nodes: [...chain('ConvInteger', 'x', 'yc', { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }), { op: 'Add', inputs: ['yc', 'b'], outputs: ['y'] }],
      inputs: [{ name: 'x', dims: [1, 2, 6, 6] }],
      outputs: [{ name: 'y' }],
      initializers: {
        wq: u8([3, 2, 3, 3], r),
        wzp: { dtype: 'uint8', dims: [], data: Uint8Array.of(121) },
        ws: { dtype: 'float32', dims: [], data: Float32Array.of(0.01) },
        b: randomTensor([1, 3, 1, 1], r),
      },
    });
    const m = loadModelBytes(bytes, 'dyn-conv.onnx');
    expect(m.graph.nodes.map((n) => n.op)).toEqual(['Conv']);
    expect(m.passes['integerOpsFolding']).toBe(1);
    const w = m.graph.initializers.get(m.graph.nodes[0]!.inputs[1]!)!;
    expect(w.dtype).toBe('float32');
    expect(planQuantization(m.graph).layers.length).toBe(1);
    const x = randomTensor([1, 2, 6, 6], r);
    const ours = runGraph(m.graph, { x }).get('y')!.data as Float32Array;
    // onnxruntime quantizes the activation to uint8; the float model differs by that rounding only
    expect(relErr(ours, await ortRun(bytes, x))).toBeLessThan(0.02);
  });

  it('MatMulInteger chain with per-column weight scales → float MatMul', async () => {
    const r = rng(5);
    const bytes = buildModel({
      nodes: chain('MatMulInteger', 'x', 'y'),
      inputs: [{ name: 'x', dims: [2, 4] }],
      outputs: [{ name: 'y' }],
      initializers: {
        wq: u8([4, 3], r),
        wzp: { dtype: 'uint8', dims: [3], data: Uint8Array.of(128, 100, 140) },
        ws: { dtype: 'float32', dims: [3], data: Float32Array.of(0.01, 0.02, 0.005) },
      },
    });
    const m = loadModelBytes(bytes, 'dyn-mm.onnx');
    expect(m.graph.nodes.map((n) => n.op)).toEqual(['MatMul']);
    const x = randomTensor([2, 4], r);
    const ours = runGraph(m.graph, { x }).get('y')!.data as Float32Array;
    expect(relErr(ours, await ortRun(bytes, x))).toBeLessThan(0.02);
  });

  it('refuses a ConvInteger outside the pattern, naming the node and why', () => {
    const r = rng(7);
    const bytes = buildModel({
      nodes: chain('ConvInteger', 'x', 'y').map((n) => (n.name === 'rescale' ? { ...n, op: 'Add' } : n)),
      inputs: [{ name: 'x', dims: [1, 2, 4, 4] }],
      outputs: [{ name: 'y' }],
      initializers: { wq: u8([3, 2, 1, 1], r), wzp: { dtype: 'uint8', dims: [], data: Uint8Array.of(128) }, ws: { dtype: 'float32', dims: [], data: Float32Array.of(0.01) } },
    });
    expect(() => loadModelBytes(bytes, 'odd.onnx')).toThrow(/node 'layer' \(ConvInteger\): only the dynamic-quantization pattern .*Cast 'cast' goes to Add 'rescale'/);
  });

  it('folds DequantizeLinear of constant per-channel weights', () => {
    const bytes = buildModel({
      nodes: [
        { op: 'DequantizeLinear', inputs: ['wq', 'ws', 'wzp'], outputs: ['w'], attrs: { axis: 0 } },
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', dims: [1, 2, 4, 4] }],
      outputs: [{ name: 'y' }],
      initializers: {
        wq: { dtype: 'int8', dims: [2, 2, 1, 1], data: Int8Array.of(1, -2, 3, 4) },
        ws: { dtype: 'float32', dims: [2], data: Float32Array.of(0.5, 0.25) },
        wzp: { dtype: 'int8', dims: [2], data: Int8Array.of(0, 1) },
      },
    });
    const m = loadModelBytes(bytes, 'dq.onnx');
    expect(m.graph.nodes.map((n) => n.op)).toEqual(['Conv']);
    expect([...(m.graph.initializers.get('w')!.data as Float32Array)]).toEqual([0.5, -1, 0.5, 0.75]);
  });
});
