/** Model size and memory estimates, against numbers worked out by hand on a tiny graph, and on squeezenet. */
import { describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { compileEqm } from '../../src-main/core/eqm/write-eqm.js';
import { int8Tensors } from '../../src-main/core/quant/int8-tensors.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import type { ScaleTable } from '../../src-main/core/quant/scale-table.js';
import { activationPeak, eqmSizeEstimate, weightBytes } from '../../src-main/core/quant/size-estimate.js';
import { workspaceEstimate } from '../../src-main/core/quant/workspace-estimate.js';
import { loadModel } from '../../src-main/io/model-file.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';
import { describeShared, modelPath } from '../helpers/shared.js';

// x[1,3,8,8] → c1 (3x3 pad 1, 4 out) → y1[1,4,8,8] → c2 (1x1, 2 out) → y2[1,2,8,8] → Sigmoid → z
function tiny() {
  const r = rng(3);
  const bytes = buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['y1'], name: 'c1', attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Conv', inputs: ['y1', 'w2', 'b2'], outputs: ['y2'], name: 'c2' },
      { op: 'Sigmoid', inputs: ['y2'], outputs: ['z'], name: 's' },
    ],
    inputs: [{ name: 'x', dims: [1, 3, 8, 8] }],
    outputs: [{ name: 'z' }],
    initializers: { w1: randomTensor([4, 3, 3, 3], r), b1: randomTensor([4], r), w2: randomTensor([2, 4, 1, 1], r), b2: randomTensor([2], r) },
  });
  const { graph } = loadModelBytes(bytes, 'tiny.onnx');
  return { graph, plan: planQuantization(graph) };
}

describe('size estimate on a tiny graph (hand-computed)', () => {
  it('weights: FP32 = 122 floats; INT8 = int8 weights + a float32 scale and an int32 bias per channel', () => {
    const { graph, plan } = tiny();
    // fp32: (108 + 4 + 8 + 2) * 4; int8: 108 + 4*8 + 8 + 2*8
    expect(weightBytes(graph, plan)).toEqual({ fp32: 488, int8: 164, int7: 164 });
  });

  it('int8 tensors: the layer inputs (the graph input included), not the output feeding Sigmoid', () => {
    const { graph, plan } = tiny();
    expect([...int8Tensors(graph, plan)].sort()).toEqual(['x', 'y1']);
    expect([...int8Tensors(graph, plan, { y1: 0.5 })]).toEqual(['y1']);
  });

  it('peak activations by liveness: x float + its int8 copy + y1 int8, while c1 runs', () => {
    const { graph, plan } = tiny();
    // step c1: 768 (x, float) + 192 (x, int8) + 256 (y1, int8); c2: 256 + 512; s: 512 + 512
    const p = activationPeak(graph, int8Tensors(graph, plan));
    expect(p).toEqual({ bytes: 1216, at: 'c1', live: ['x', 'x (int8)', 'y1'] });
    // with y1 in float, c1's step holds 768 + 1024 (and x is read in float)
    expect(activationPeak(graph, new Set()).bytes).toBe(1792);
  });

  it('workspace: im2col and GEMM blocks per thread, Winograd buffers shared', () => {
    const { plan } = tiny();
    // c1: K=27, M=4, P=64 → nb=32: panel 896 + C block 512 + im2col 896 = 2304 per thread
    //     Winograd F(4,3): acc 4*64*4 = 1024; scratch 16*10*10*2 + 36*4*16*2 + threads*36*16*16*4
    // c2: 1x1 direct, K=4, M=2: panel 128 + C block 256 = 384 per thread
    expect(workspaceEstimate(plan, 1)).toEqual({ threads: 1, sharedBytes: 1024 + 3200 + 4608 + 36864, perThreadBytes: 2304, totalBytes: 45696 + 2304 });
    const four = workspaceEstimate(plan, 4);
    expect(four.sharedBytes).toBe(1024 + 3200 + 4608 + 4 * 36864);
    expect(() => workspaceEstimate(plan, 0)).toThrow(/threads must be a positive integer, got 0/);
  });
});

describeShared('size estimate on squeezenet1.1 (../shared)', () => {
  it('FP32 weights are the sum of the initializers of the ONNX file', () => {
    const m = loadModel(modelPath('squeezenet1.1'));
    const plan = planQuantization(m.graph);
    const fromFile = m.proto.graph!.initializer!.reduce((a, t) => a + (t.dims ?? []).reduce((x: number, d) => x * Number(d), 1) * 4, 0);
    const w = weightBytes(m.graph, plan);
    expect(w.fp32).toBe(fromFile);
    expect(w.fp32).toBe(1235496 * 4);
    // every parameter is in a quantized layer: int8 weights + 8 bytes per output channel
    const channels = plan.layers.reduce((a, l) => a + l.geom.cout, 0);
    expect(w.int8).toBe(1235496 - channels + 8 * channels);
  });

  it('the EQM estimate is within 1 % of the compiled file', () => {
    const { graph } = loadModel(modelPath('squeezenet1.1'));
    const plan = planQuantization(graph);
    const layers = plan.layers.map((l) => ({
      name: l.name,
      op: l.op,
      input: l.input,
      output: l.output,
      weight: l.weight,
      weightScales: Array.from({ length: l.geom.cout }, () => 100),
      inputScale: 10,
    }));
    const table: ScaleTable = { bits: 8, qmax: 127, method: 'minmax', modelSha256: '0'.repeat(64), modelFile: 'model.onnx', layers, tensors: {}, settings: {}, createdAt: '' };
    table.tensors = Object.fromEntries([...int8Tensors(graph, plan)].map((t) => [t, 10]));
    const actual = compileEqm(graph, plan, table).length;
    const est = eqmSizeEstimate(graph, plan);
    expect(Math.abs(est - actual) / actual).toBeLessThan(0.01);
  });

  it('peak activations: positive, reached at a node of the graph, less than all tensors in float', () => {
    const { graph } = loadModel(modelPath('squeezenet1.1'));
    const plan = planQuantization(graph);
    const p = activationPeak(graph, int8Tensors(graph, plan));
    expect(graph.nodes.map((n) => n.name)).toContain(p.at);
    const allFloat = activationPeak(graph, new Set());
    expect(p.bytes).toBeGreaterThan(0);
    expect(p.bytes).toBeLessThan(allFloat.bytes);
  });
});
