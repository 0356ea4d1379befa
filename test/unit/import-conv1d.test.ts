/** 1-D convs import as 2-D ones with H = 1 (Unsqueeze → Conv → Squeeze), so they quantize. */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import { OrtReference } from '../../src-main/engines/ort-reference.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';

function model(opset: number): Uint8Array {
  const r = rng(11);
  return buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], name: 'conv1d', attrs: { kernel_shape: [5], pads: [2, 1], strides: [2], dilations: [1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['y'] },
    ],
    inputs: [{ name: 'x', dims: [1, 2, 16] }],
    outputs: [{ name: 'y' }],
    initializers: { w: randomTensor([3, 2, 5], r), b: randomTensor([3], r) },
    opset,
  });
}

describe('1-D Conv', () => {
  for (const opset of [11, 13]) {
    it(`imports as a quantizable 2-D conv and computes what onnxruntime does (opset ${opset})`, async () => {
      const bytes = model(opset);
      const m = loadModelBytes(bytes, 'conv1d.onnx');
      expect(m.passes['conv1dAs2d']).toBe(1);
      const conv = m.graph.nodes.find((n) => n.op === 'Conv')!;
      expect(m.graph.initializers.get(conv.inputs[1]!)!.dims).toEqual([3, 2, 1, 5]);
      expect(m.graph.shapes.get('y')).toEqual([1, 3, 8]);
      const plan = planQuantization(m.graph);
      expect(plan.layers.map((l) => l.name)).toEqual(['conv1d']);
      const x = randomTensor([1, 2, 16], rng(2));
      const ours = runGraph(m.graph, { x }).get('y')!;
      const s = await ort.InferenceSession.create(bytes);
      const ref = (await s.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.dims) }))['y']!.data as Float32Array;
      expect(ours.dims).toEqual([1, 3, 8]);
      for (let i = 0; i < ref.length; i++) expect(Math.abs((ours.data[i] as number) - ref[i]!)).toBeLessThan(1e-5);
    });
  }

  it('the FP32 reference captures the layer input and output the rewrite added', async () => {
    const bytes = model(13);
    const layer = planQuantization(loadModelBytes(bytes, 'conv1d.onnx').graph).layers[0]!;
    expect(layer.input).toBe('x::h1');
    const ref = await OrtReference.create(bytes, [layer.input, layer.preAct]);
    const x = randomTensor([1, 2, 16], rng(3));
    const { captures } = await ref.run(x.data as Float32Array, x.dims);
    expect(captures.get('x::h1')!.dims).toEqual([1, 2, 1, 16]);
    expect(captures.get('x::h1')!.data).toEqual(x.data);
    expect(captures.get(layer.preAct)!.dims).toEqual([1, 3, 1, 8]);
    await ref.release();
  });
});
