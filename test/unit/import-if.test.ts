/**
 * If nodes: a constant condition inlines the taken branch (no kernel or fallback needed); a
 * data-dependent one runs in FP32 through the onnxruntime fallback with its subgraphs and the
 * outer-scope values they read intact.
 */
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { externalOpRunner, setExternalOpRunner } from '../../src-main/core/ops/external.js';
import { installOrtNodeRunner } from '../../src-main/engines/ort-node-runner.js';
import { buildModel, type NodeSpec } from '../helpers/onnx-build.js';

const saved = externalOpRunner();
afterEach(() => setExternalOpRunner(saved));

const f32 = (dims: number[], v: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(v) });
const two = f32([], [2]);

/** If(cond) then: x · two (an outer initializer) + its own constant; else: −x. */
function ifNode(cond: string): NodeSpec {
  return {
    op: 'If',
    name: 'the_if',
    inputs: [cond],
    outputs: ['y'],
    attrs: {
      then_branch: {
        graph: {
          nodes: [
            { op: 'Mul', inputs: ['x', 'two'], outputs: ['t'] },
            { op: 'Add', inputs: ['t', 'one'], outputs: ['t1'] },
          ],
          outputs: ['t1'],
          initializers: { one: f32([], [1]) },
        },
      },
      else_branch: { graph: { nodes: [{ op: 'Neg', inputs: ['x'], outputs: ['e'] }], outputs: ['e'] } },
    },
  };
}

async function ortY(bytes: Uint8Array, x: Tensor): Promise<number[]> {
  const s = await ort.InferenceSession.create(bytes);
  const r = await s.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.dims) });
  return Array.from(r['y']!.data as Float32Array);
}

describe('If', () => {
  it('with a constant condition, the taken branch is inlined (no fallback needed)', async () => {
    setExternalOpRunner(undefined);
    const bytes = buildModel({
      nodes: [{ op: 'Greater', inputs: ['a', 'b'], outputs: ['c'] }, ifNode('c')],
      inputs: [{ name: 'x', dims: [1, 3] }],
      outputs: [{ name: 'y' }],
      initializers: { two, a: f32([], [1]), b: f32([], [0]) },
    });
    const m = loadModelBytes(bytes, 'if-const.onnx');
    expect(m.graph.nodes.map((n) => n.op)).not.toContain('If');
    expect(m.graph.shapes.get('y')).toEqual([1, 3]);
    const x = f32([1, 3], [1, -2, 3]);
    expect(Array.from(runGraph(m.graph, { x }).get('y')!.data as Float32Array)).toEqual([3, -3, 7]);
    expect(await ortY(bytes, x)).toEqual([3, -3, 7]);
  });

  const dynModel = (node: NodeSpec, extra: Record<string, Tensor> = {}) =>
    buildModel({
      nodes: [{ op: 'ReduceMax', inputs: ['x'], outputs: ['m'], attrs: { keepdims: 0 } }, { op: 'Greater', inputs: ['m', 'zero'], outputs: ['c'] }, node],
      inputs: [{ name: 'x', dims: [1, 3] }],
      outputs: [{ name: 'y' }],
      initializers: { two, zero: f32([], [0]), ...extra },
    });

  it('with a data-dependent condition over plain branches, both run and a select picks one (no If left)', async () => {
    setExternalOpRunner(undefined);
    const bytes = dynModel(ifNode('c'));
    const m = loadModelBytes(bytes, 'if-dyn.onnx');
    expect(m.graph.nodes.map((n) => n.op)).not.toContain('If');
    expect(m.graph.shapes.get('y')).toEqual([1, 3]);
    for (const v of [
      [1, -2, 3],
      [-1, -2, -3],
    ]) {
      const x = f32([1, 3], v);
      const ours = Array.from(runGraph(m.graph, { x }).get('y')!.data as Float32Array);
      expect(ours).toEqual(await ortY(bytes, x));
    }
  });

  it('branches whose output shapes differ are refused with the If named', () => {
    setExternalOpRunner(undefined);
    const node = ifNode('c');
    node.attrs!['else_branch'] = { graph: { nodes: [{ op: 'ReduceMax', inputs: ['x'], outputs: ['e'], attrs: { keepdims: 0 } }], outputs: ['e'] } };
    expect(() => loadModelBytes(dynModel(node), 'if-shapes.onnx')).toThrow(/node 'the_if' \(If\): the branches give output 'y' different shapes \(then \[1x3\], else \[\]\)/);
  });

  it('with a data-dependent condition and a branch holding control flow, runs through onnxruntime with its subgraphs', async () => {
    installOrtNodeRunner();
    const inner: NodeSpec = { ...ifNode('c2'), name: 'inner_if', outputs: ['e'] };
    const elseNodes: NodeSpec[] = [{ op: 'ReduceMin', inputs: ['x'], outputs: ['m2'], attrs: { keepdims: 0 } }, { op: 'Greater', inputs: ['m2', 'zero'], outputs: ['c2'] }, inner];
    const node: NodeSpec = { ...ifNode('c'), attrs: { ...ifNode('c').attrs, else_branch: { graph: { nodes: elseNodes, outputs: ['e'] } } } };
    const bytes = dynModel(node);
    const m = loadModelBytes(bytes, 'if-dyn.onnx');
    const theIf = m.graph.nodes.find((n) => n.op === 'If')!;
    expect(theIf.inputs).toEqual(['c', 'x', 'two', 'zero']);
    expect(theIf.implicitInputs).toBe(3);
    for (const v of [
      [1, -2, 3],
      [-1, -2, -3],
    ]) {
      const x = f32([1, 3], v);
      const ours = Array.from(runGraph(m.graph, { x }).get('y')!.data as Float32Array);
      expect(ours).toEqual(await ortY(bytes, x));
    }
  });
});
