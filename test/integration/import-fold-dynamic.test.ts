/**
 * Import order and dynamic shapes: constant folding and shape inference run before the
 * support check, computed Reshape shapes resolve, dynamic input dims are bound from the
 * card / --input-shape / batch 1, and opsets 7-21 load. Results are checked against
 * onnxruntime on models built here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { UnsupportedOpError } from '../../src-main/core/ops/types.js';
import { prepareModel } from '../../src-main/pipeline/model-setup.js';
import { runCli } from '../helpers/cli.js';
import { buildModel, randomTensor, rng, type NodeSpec } from '../helpers/onnx-build.js';

const i64 = (dims: number[], v: number[]): Tensor => ({ dtype: 'int64', dims, data: Float64Array.from(v) });
const f32 = (dims: number[], v: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(v) });

async function ortRun(bytes: Uint8Array, name: string, x: Tensor): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const s = await ort.InferenceSession.create(bytes);
  const r = await s.run({ [name]: new ort.Tensor('float32', x.data as Float32Array, x.dims) });
  const out: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const k of s.outputNames) out[k] = { data: r[k]!.data as Float32Array, dims: [...r[k]!.dims] };
  await s.release();
  return out;
}

/** Loads with our importer, runs our interpreter and onnxruntime on the same input, compares every output. */
async function expectMatchesOrt(bytes: Uint8Array, dims: number[], opts: Parameters<typeof loadModelBytes>[2] = {}) {
  const m = loadModelBytes(bytes, 'built.onnx', opts);
  const name = m.graph.inputs[0]!.name;
  const x = randomTensor(dims, rng(5), 2);
  const ours = runGraph(m.graph, { [name]: x });
  const ref = await ortRun(bytes, name, x);
  for (const o of m.graph.outputs) {
    expect(o.dims, `${o.name} dims`).toEqual(ref[o.name]!.dims);
    expect(Array.from(ours.get(o.name)!.data), o.name).toEqual(Array.from(ref[o.name]!.data).map((v) => expect.closeTo(v, 5)));
  }
  return m;
}

const W = randomTensor([4, 3, 3, 3], rng(1), 0.5);

/** Conv, then a flatten written the PyTorch way: Shape → Gather(0) → Unsqueeze → Concat(-1) → Reshape. */
function computedReshape(inDims: (number | string)[], opset = 13): Uint8Array {
  const unsq: NodeSpec = opset >= 13 ? { op: 'Unsqueeze', inputs: ['n', 'ax0'], outputs: ['n1'] } : { op: 'Unsqueeze', inputs: ['n'], outputs: ['n1'], attrs: { axes: [0] } };
  return buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'], name: 'conv', attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Shape', inputs: ['c'], outputs: ['s'] },
      { op: 'Gather', inputs: ['s', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
      unsq,
      { op: 'Concat', inputs: ['n1', 'minus1'], outputs: ['shape'], attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['c', 'shape'], outputs: ['y'], name: 'flatten' },
    ],
    inputs: [{ name: 'x', dims: inDims }],
    outputs: [{ name: 'y' }],
    initializers: { W, zero: i64([], [0]), minus1: i64([1], [-1]), ...(opset >= 13 ? { ax0: i64([1], [0]) } : {}) },
    opset,
  });
}

describe('constant folding before the support check', () => {
  it('resolves a computed Reshape shape (Shape → Gather → Unsqueeze → Concat)', async () => {
    const m = await expectMatchesOrt(computedReshape([1, 3, 6, 6]), [1, 3, 6, 6]);
    expect(m.graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Reshape']);
    expect(m.graph.shapes.get('y')).toEqual([1, 144]);
    expect(m.passes['constantFolding']).toBe(4);
  });

  it('folds ConstantOfShape/Split/Equal/Where/Range/Cast/Max on constants and runs Max/Min/Split in the tail', async () => {
    const bytes = buildModel({
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'], name: 'relu' },
        // constants only: shape → ConstantOfShape(0.25) → Max with a constant → threshold
        { op: 'Shape', inputs: ['r'], outputs: ['rs'] },
        { op: 'ConstantOfShape', inputs: ['rs'], outputs: ['fill'], attrs: { value: f32([1], [0.25]) } },
        { op: 'Split', inputs: ['pair'], outputs: ['p0', 'p1'], attrs: { axis: 0 } },
        { op: 'Equal', inputs: ['p0', 'p1'], outputs: ['eq'] },
        { op: 'Where', inputs: ['eq', 'p0', 'p1'], outputs: ['w'] },
        { op: 'Range', inputs: ['r0', 'r8', 'r2'], outputs: ['rg'] },
        { op: 'Cast', inputs: ['rg'], outputs: ['rgf'], attrs: { to: 1 } },
        { op: 'Max', inputs: ['fill', 'w'], outputs: ['lo'] },
        // data path: post-processing on the Relu output
        { op: 'Max', inputs: ['r', 'lo'], outputs: ['a'], name: 'max_tail' },
        { op: 'Min', inputs: ['a', 'rgf'], outputs: ['b'], name: 'min_tail' },
        { op: 'Split', inputs: ['b', 'parts'], outputs: ['y0', 'y1'], name: 'split_tail', attrs: { axis: 1 } },
      ],
      inputs: [{ name: 'x', dims: [2, 4] }],
      outputs: [{ name: 'y0' }, { name: 'y1' }],
      initializers: {
        pair: f32([2], [0.5, 0.75]),
        r0: i64([], [0]),
        r8: i64([], [8]),
        r2: i64([], [2]),
        parts: i64([2], [1, 3]),
      },
      opset: 13,
    });
    const m = await expectMatchesOrt(bytes, [2, 4]);
    expect(m.graph.nodes.map((n) => n.name)).toEqual(['relu', 'max_tail', 'min_tail', 'split_tail']);
  });

  it('folds a flatten by Shape → Slice → ReduceProd and Resize sizes by Cast → Mul → Floor', async () => {
    const bytes = buildModel({
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Slice', inputs: ['s', 'one', 'big'], outputs: ['chw'] },
        { op: 'ReduceProd', inputs: ['chw'], outputs: ['n'], attrs: { keepdims: 1 } },
        { op: 'Concat', inputs: ['minus1', 'n'], outputs: ['flat'], attrs: { axis: 0 } },
        { op: 'Reshape', inputs: ['x', 'flat'], outputs: ['y'], name: 'flatten' },
        { op: 'Cast', inputs: ['s'], outputs: ['sf'], attrs: { to: 1 } },
        { op: 'Mul', inputs: ['sf', 'scale'], outputs: ['sz'] },
        { op: 'Floor', inputs: ['sz'], outputs: ['szf'] },
        { op: 'Cast', inputs: ['szf'], outputs: ['sizes'], attrs: { to: 7 } },
        { op: 'Resize', inputs: ['x', '', '', 'sizes'], outputs: ['z'], name: 'resize', attrs: { mode: 'nearest' } },
      ],
      inputs: [{ name: 'x', dims: ['N', 2, 3, 5] }],
      outputs: [{ name: 'y' }, { name: 'z' }],
      initializers: { one: i64([1], [1]), big: i64([1], [99]), minus1: i64([1], [-1]), scale: f32([4], [1, 1, 1.5, 1.7]) },
    });
    const m = await expectMatchesOrt(bytes, [1, 2, 3, 5]);
    expect(m.graph.nodes.map((n) => n.name)).toEqual(['flatten', 'resize']);
    expect(m.graph.shapes.get('z')).toEqual([1, 2, 4, 8]);
  });

  it('still names node, op and opset of an op it can neither fold nor run', () => {
    const bytes = buildModel({
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'ConstantOfShape', inputs: ['s'], outputs: ['z'] },
        { op: 'NonZero', inputs: ['x'], outputs: ['nz'], name: 'nz_node' },
      ],
      inputs: [{ name: 'x', dims: [1, 4] }],
      outputs: [{ name: 'z' }, { name: 'nz' }],
    });
    expect(() => loadModelBytes(bytes, 'nz.onnx')).toThrow(UnsupportedOpError);
    expect(() => loadModelBytes(bytes, 'nz.onnx')).toThrow("node 'nz_node': op NonZero (opset 13) is not supported");
  });
});

describe('dynamic input dims', () => {
  it('uses batch 1 for a dynamic batch dim, with a notice', async () => {
    const m = await expectMatchesOrt(computedReshape(['N', 3, 6, 6]), [1, 3, 6, 6]);
    expect(m.graph.inputs[0]!.dims).toEqual([1, 3, 6, 6]);
    expect(m.notices).toEqual([expect.stringMatching(/input 'x' has a dynamic batch dimension \[\?,3,6,6\]; using batch 1/)]);
  });

  it('takes the whole shape from an option (batch 2, dynamic H and W)', async () => {
    const m = await expectMatchesOrt(computedReshape(['N', 3, 'H', 'W']), [2, 3, 5, 7], { inputShape: [2, 3, 5, 7], inputShapeFrom: '--input-shape' });
    expect(m.graph.shapes.get('y')).toEqual([2, 140]);
    expect(m.notices).toEqual([]);
  });

  it('names the input and the dim left unbound', () => {
    expect(() => loadModelBytes(computedReshape(['N', 3, 'H', 'W']), 'dyn.onnx')).toThrow(
      "dyn.onnx: graph input 'x' has a dynamic shape [?,3,?,?]: dim 2 ('H') has no size; give a static input shape (all 4 dims) with --input-shape or the card's input.shape",
    );
  });

  it('refuses a given shape that contradicts the static dims', () => {
    expect(() => loadModelBytes(computedReshape(['N', 3, 'H', 'W']), 'dyn.onnx', { inputShape: [1, 4, 8, 8], inputShapeFrom: '--input-shape' })).toThrow(
      "--input-shape: input shape [1,4,8,8] does not match the model's input 'x' [?,3,?,?] (dyn.onnx)",
    );
  });

  it('prepareModel applies the card, and --input-shape over it, before the shape check', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-dyn-'));
    const model = path.join(dir, 'dyn.onnx');
    fs.writeFileSync(model, computedReshape(['N', 3, 'H', 'W']));
    const card = path.join(dir, 'card.json');
    fs.writeFileSync(
      card,
      JSON.stringify({
        name: 'dyn',
        task: 'classification',
        file: 'dyn.onnx',
        input: { name: 'x', shape: [1, 3, 8, 8], layout: 'NCHW' },
        output: { kind: 'logits', classes: 256 },
        preprocess: { resize: [8, 8], fit: 'fill', channel_order: 'RGB', mean: [0, 0, 0], std: [1, 1, 1] },
      }),
    );
    const p = prepareModel({ model, card });
    expect(p.inputDims).toEqual([1, 3, 8, 8]);
    expect(p.model.graph.shapes.get('y')).toEqual([1, 256]);
    const q = prepareModel({ model, card, inputShape: [4, 3, 6, 10] });
    expect(q.inputDims).toEqual([4, 3, 6, 10]);
    expect(q.model.graph.shapes.get('y')).toEqual([4, 240]);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('opsets 7-21', () => {
  for (const opset of [7, 9, 11, 13, 17, 21]) {
    it(`opset ${opset}: Conv + computed flatten match onnxruntime`, async () => {
      const bytes = computedReshape([1, 3, 6, 6], opset);
      await expectMatchesOrt(bytes, [1, 3, 6, 6]);
    });
  }

  it('names an op whose semantics at the model opset are not implemented', () => {
    const bytes = buildModel({
      nodes: [{ op: 'Upsample', inputs: ['x', 'sc'], outputs: ['y'], name: 'up', attrs: { mode: 'nearest' } }],
      inputs: [{ name: 'x', dims: [1, 1, 2, 2] }],
      outputs: [{ name: 'y' }],
      initializers: { sc: f32([4], [1, 1, 2, 2]) },
      opset: 11,
    });
    expect(() => loadModelBytes(bytes, 'up.onnx')).toThrow(
      "node 'up': op Upsample (opset 11) is not supported: implemented for opsets 7–9 only; its definition at opset 11 is not",
    );
    const eq = buildModel({
      nodes: [{ op: 'Equal', inputs: ['x', 'x'], outputs: ['y'], name: 'eq', attrs: { broadcast: 1 } }],
      inputs: [{ name: 'x', dims: [2] }],
      outputs: [{ name: 'y' }],
      opset: 6,
    });
    expect(() => loadModelBytes(eq, 'eq.onnx')).toThrow("node 'eq': op Equal (opset 6) is not supported: implemented for opsets 7–25 only; its definition at opset 6 is not");
  });
});

describe('CLI --input-shape', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-dyncli-'));
  const batchOnly = path.join(dir, 'batch.onnx');
  const hw = path.join(dir, 'hw.onnx');
  fs.writeFileSync(batchOnly, computedReshape(['batch', 3, 6, 6]));
  fs.writeFileSync(hw, computedReshape(['batch', 3, 'height', 'width']));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dimsOf = (stdout: string) => JSON.parse(stdout) as { inputs: { dims: number[] }[]; outputs: { dims: number[] }[] };

  it('inspect: batch 1 with a notice on stderr, --input-shape gives the whole shape', () => {
    const a = runCli(['inspect', '--model', batchOnly, '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/notice: input 'x' has a dynamic batch dimension \[\?,3,6,6\]; using batch 1/);
    expect(dimsOf(a.stdout).outputs[0]!.dims).toEqual([1, 144]);
    const b = runCli(['inspect', '--model', hw, '--input-shape', '2,3,4,5', '--json']);
    expect(b.code, b.stderr).toBe(0);
    expect(dimsOf(b.stdout).inputs[0]!.dims).toEqual([2, 3, 4, 5]);
    expect(dimsOf(b.stdout).outputs[0]!.dims).toEqual([2, 80]);
  });

  it('inspect: one error line for an unbound dim and for a bad --input-shape', () => {
    const a = runCli(['inspect', '--model', hw]);
    expect(a.code).toBe(1);
    expect(a.stderr.trim()).toMatch(/^easyquant: error: .*hw\.onnx: graph input 'x' has a dynamic shape \[\?,3,\?,\?\]: dim 2 \('height'\) has no size/);
    const b = runCli(['inspect', '--model', hw, '--input-shape', '1,3,x,5']);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/--input-shape must be comma-separated positive integers, e\.g\. 1,3,224,224 \(got '1,3,x,5'\)/);
  });
});
