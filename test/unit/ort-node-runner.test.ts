/**
 * Ops without a TypeScript kernel stay FP32 and run through onnxruntime (engines/ort-node-runner):
 * a Conv → Erf → Sign·x → Conv model imports (shape inference through the runner), runs in the
 * interpreter like onnxruntime runs the whole model, and compile's native check still names the
 * ops the native runtime lacks. Without the runner the import refuses the op as before.
 */
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { externalOpRunner, setExternalOpRunner } from '../../src-main/core/ops/external.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { installOrtNodeRunner } from '../../src-main/engines/ort-node-runner.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';

function model(): Uint8Array {
  const r = rng(7);
  return buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Erf', inputs: ['c1'], outputs: ['e'] },
      { op: 'Sign', inputs: ['e'], outputs: ['s'] },
      { op: 'Mul', inputs: ['s', 'e'], outputs: ['m'] },
      { op: 'Conv', inputs: ['m', 'w2'], outputs: ['y'] },
    ],
    inputs: [{ name: 'x', dims: [1, 2, 5, 5] }],
    outputs: [{ name: 'y' }],
    initializers: { w1: randomTensor([4, 2, 3, 3], r), b1: randomTensor([4], r), w2: randomTensor([3, 4, 1, 1], r) },
    opset: 13,
  });
}

const saved = externalOpRunner();
afterEach(() => setExternalOpRunner(saved));

describe('ops without a kernel run through onnxruntime', () => {
  it('imports, infers shapes and runs like onnxruntime', async () => {
    installOrtNodeRunner();
    const bytes = model();
    const m = loadModelBytes(bytes, 'erf.onnx');
    expect(m.graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Erf', 'Sign', 'Mul', 'Conv']);
    expect(m.graph.shapes.get('e')).toEqual([1, 4, 5, 5]);
    expect(m.graph.outputs[0]!.dims).toEqual([1, 3, 5, 5]);
    const x = randomTensor([1, 2, 5, 5], rng(3));
    const ours = runGraph(m.graph, { x }).get('y')!;
    const s = await ort.InferenceSession.create(bytes);
    const ref = (await s.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.dims) }))['y']!.data as Float32Array;
    expect(ours.dims).toEqual([1, 3, 5, 5]);
    for (let i = 0; i < ref.length; i++) expect(Math.abs((ours.data[i] as number) - ref[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(ref[i]!)));
  });

  it('a chain of kernel-less ops gets the element types its producers gave (isnet-small: DynamicQuantizeLinear → ConvInteger)', async () => {
    installOrtNodeRunner();
    const wq: Tensor = { dtype: 'uint8', dims: [2, 2, 1, 1], data: Uint8Array.of(130, 120, 128, 140) };
    const bytes = buildModel({
      nodes: [
        { op: 'DynamicQuantizeLinear', inputs: ['x'], outputs: ['q', 'qs', 'qz'] },
        { op: 'ConvInteger', inputs: ['q', 'wq', 'qz'], outputs: ['acc'] },
        { op: 'Cast', inputs: ['acc'], outputs: ['accf'], attrs: { to: 1 } },
        { op: 'Mul', inputs: ['accf', 'qs'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', dims: [1, 2, 3, 3] }],
      outputs: [{ name: 'y' }],
      initializers: { wq },
      opset: 15,
    });
    const m = loadModelBytes(bytes, 'dq.onnx');
    expect(m.graph.shapes.get('acc')).toEqual([1, 2, 3, 3]);
    const x = randomTensor([1, 2, 3, 3], rng(5));
    const ours = runGraph(m.graph, { x }).get('y')!;
    const s = await ort.InferenceSession.create(bytes);
    const ref = (await s.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.dims) }))['y']!.data as Float32Array;
    expect(Array.from(ours.data as Float32Array)).toEqual(Array.from(ref));
  });

  it('names the node when onnxruntime cannot run it either', () => {
    installOrtNodeRunner();
    const bytes = buildModel({ nodes: [{ op: 'NoSuchOp', inputs: ['x'], outputs: ['y'], name: 'weird' }], inputs: [{ name: 'x', dims: [1, 2] }], outputs: [{ name: 'y' }] });
    expect(() => loadModelBytes(bytes, 'bad.onnx')).toThrow(
      /^node 'weird': op NoSuchOp \(opset 13\) is not supported: no TypeScript kernel, and onnxruntime cannot run it either \(.*NoSuchOp.*\)$/,
    );
  });

  it('an op whose kernels cover other opsets only keeps saying so when onnxruntime refuses it too', () => {
    installOrtNodeRunner();
    const bytes = buildModel({
      nodes: [{ op: 'Upsample', inputs: ['x', 'sc'], outputs: ['y'], name: 'up', attrs: { mode: 'nearest' } }],
      inputs: [{ name: 'x', dims: [1, 1, 2, 2] }],
      outputs: [{ name: 'y' }],
      initializers: { sc: { dtype: 'float32', dims: [4], data: Float32Array.of(1, 1, 2, 2) } },
      opset: 11,
    });
    expect(() => loadModelBytes(bytes, 'up.onnx')).toThrow(
      /^node 'up': op Upsample \(opset 11\) is not supported: implemented for opsets 7–9 only; its definition at opset 11 is not, and onnxruntime cannot run it either \(.*deprecated.*\)$/,
    );
  });

  it('runs a kernel-less node on zeros once for its shapes, not once per shape pass', () => {
    let calls = 0;
    setExternalOpRunner({
      name: 'counting',
      run(node, inputs) {
        calls++;
        const x = inputs[0]!;
        return [{ dtype: 'float32', dims: [...x.dims], data: new Float32Array(x.data.length) }];
      },
    });
    const first = loadModelBytes(model(), 'erf.onnx');
    expect(first.graph.shapes.get('e')).toEqual([1, 4, 5, 5]);
    expect(calls).toBe(2); // Erf and Sign, over the import's three shape passes
    loadModelBytes(model(), 'erf.onnx');
    expect(calls).toBe(2);
    const other = buildModel({ nodes: [{ op: 'Erf', inputs: ['x'], outputs: ['y'], name: 'Erf_1' }], inputs: [{ name: 'x', dims: [1, 7] }], outputs: [{ name: 'y' }] });
    expect(loadModelBytes(other, 'erf2.onnx').graph.outputs[0]!.dims).toEqual([1, 7]);
    expect(calls).toBe(3); // other input shape: run again
  });

  it('without the runner the import refuses the op', () => {
    setExternalOpRunner(undefined);
    expect(() => loadModelBytes(model(), 'erf.onnx')).toThrow(/node 'Erf_1': op Erf \(opset 13\) is not supported/);
  });
});
