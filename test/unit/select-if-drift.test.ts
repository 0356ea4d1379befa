/**
 * A data-dependent If over plain branches is rewritten as a select once, in the model; the IR is
 * imported from the rewritten bytes, which are also what the FP32 reference runs in
 * onnxruntime. So every IR value must exist in those bytes under the same name (the calibrator
 * captures them) and hold the same numbers, on inputs taking each branch, including for
 * unnamed nodes (named by the import) and an If whose condition reads another select.
 */
import { describe, expect, it } from 'vitest';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { OrtReference } from '../../src-main/engines/ort-reference.js';
import { buildModel, type NodeSpec } from '../helpers/onnx-build.js';

const f32 = (dims: number[], v: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(v) });

/** If(cond): then 2·x + 1 (an outer and an own initializer), else −x; `name: ''` leaves nodes unnamed. */
function ifNode(name: string, cond: string, x: string, y: string): NodeSpec {
  const n = name ? {} : { name: '' };
  return {
    op: 'If',
    name,
    inputs: [cond],
    outputs: [y],
    attrs: {
      then_branch: {
        graph: {
          nodes: [
            { op: 'Mul', inputs: [x, 'two'], outputs: ['t'], ...n },
            { op: 'Add', name: 'add', inputs: ['t', 'one'], outputs: ['t1'] },
          ],
          outputs: ['t1'],
          initializers: { one: f32([], [1]) },
        },
      },
      else_branch: { graph: { nodes: [{ op: 'Neg', inputs: [x], outputs: ['e'], ...n }], outputs: ['e'] } },
    },
  };
}

/** c = max(x) > 0 picks the first If's branch; the second's condition max(−y) > 0 reads its select. */
function model(name: string): Uint8Array {
  const anon = name ? {} : { name: '' };
  return buildModel({
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['x0'], ...anon },
      { op: 'ReduceMax', inputs: ['x'], outputs: ['m'], attrs: { keepdims: 0 } },
      { op: 'Greater', inputs: ['m', 'zero'], outputs: ['c'] },
      ifNode(name && `${name}_1`, 'c', 'x', 'y'),
      { op: 'Neg', inputs: ['y'], outputs: ['ny'], ...anon },
      { op: 'ReduceMax', inputs: ['ny'], outputs: ['m2'], attrs: { keepdims: 0 } },
      { op: 'Greater', inputs: ['m2', 'zero'], outputs: ['c2'] },
      ifNode(name && `${name}_2`, 'c2', 'y', 'z'),
      { op: 'Add', inputs: ['z', 'x0'], outputs: ['out'], ...anon },
    ],
    inputs: [{ name: 'x', dims: [1, 3] }],
    outputs: [{ name: 'out' }],
    initializers: { two: f32([], [2]), zero: f32([], [0]) },
  });
}

describe('If as a select: one rewrite for the IR and the FP32 reference', () => {
  for (const name of ['sel', '']) {
    it(`${name ? 'named' : 'unnamed'} Ifs: onnxruntime on the loaded bytes has every IR value, equal on each branch`, async () => {
      const m = loadModelBytes(model(name), 'if-select.onnx');
      expect(m.proto.graph!.node!.map((n) => n.opType)).not.toContain('If');
      expect(m.graph.nodes.map((n) => n.op)).not.toContain('If');
      // importing the loaded bytes again gives the same IR and leaves them as they are
      const again = loadModelBytes(m.bytes, 'if-select-again.onnx');
      expect(again.graph.nodes).toEqual(m.graph.nodes);
      expect(again.sha256).toBe(m.sha256);

      const inputs = [
        [1, -2, 3],
        [1, 2, 3],
        [-1, -2, -3],
      ].map((v) => f32([1, 3], v));
      const all = [...new Set(m.graph.nodes.flatMap((n) => [...n.outputs, ...(n.preActOutput ? [n.preActOutput] : [])]))];
      const probe = runGraph(m.graph, { x: inputs[0]! }, { fetch: all });
      // the float values (the ones the calibrator captures; conditions are bool)
      const values = all.filter((v) => probe.get(v)!.dtype === 'float32');
      expect(values.some((v) => v.includes('/then/')) && values.some((v) => v.includes('/else/'))).toBe(true);
      const ref = await OrtReference.create(m.bytes, values);
      const taken = new Set<string>();
      try {
        for (const x of inputs) {
          const ours = runGraph(m.graph, { x }, { fetch: all });
          const theirs = await ref.run(x.data as Float32Array, x.dims);
          taken.add(`${Number(ours.get('c')!.data[0])}${Number(ours.get('c2')!.data[0])}`);
          expect([...theirs.captures.keys()].sort()).toEqual([...values].sort());
          for (const k of values) expect(Array.from(theirs.captures.get(k)!.data), k).toEqual(Array.from(ours.get(k)!.data as Float32Array));
          expect(Array.from(theirs.outputs.get('out')!.data)).toEqual(Array.from(ours.get('out')!.data as Float32Array));
        }
      } finally {
        await ref.release();
      }
      // both Ifs take each branch over these inputs
      expect([...taken].sort()).toEqual(['00', '10', '11']);
    }, 60_000);
  }
});

describe('If as a select: conditions', () => {
  const base: NodeSpec[] = [
    { op: 'ReduceMax', inputs: ['x'], outputs: ['m'], attrs: { keepdims: 0 } },
    { op: 'Greater', inputs: ['m', 'zero'], outputs: ['c'] },
    ifNode('first', 'c', 'x', 'y'),
  ];
  const build = (nodes: NodeSpec[], out: string) =>
    buildModel({ nodes, inputs: [{ name: 'x', dims: [1, 3] }], outputs: [{ name: out }], initializers: { two: f32([], [2]), zero: f32([], [0]) } });

  it('a condition that is constant once an earlier If is a select inlines its branch', async () => {
    const bytes = build(
      [
        ...base,
        { op: 'Shape', inputs: ['y'], outputs: ['sy'] },
        { op: 'Cast', inputs: ['sy'], outputs: ['syf'], attrs: { to: 1 } },
        { op: 'ReduceMax', inputs: ['syf'], outputs: ['sm'], attrs: { keepdims: 0 } },
        { op: 'Greater', inputs: ['sm', 'zero'], outputs: ['c2'] },
        ifNode('second', 'c2', 'y', 'z'),
      ],
      'z',
    );
    const m = loadModelBytes(bytes, 'if-then-const.onnx');
    const names = m.graph.nodes.map((n) => n.name);
    expect(names).toContain('first/select_0');
    // the shape of `y` is known once `first` is a select, so `second` takes its then branch inline
    expect(names).toContain('second/add');
    expect(names.filter((n) => n.startsWith('second/then/') || n.startsWith('second/else/') || n === 'second/select_0')).toEqual([]);
    const ref = await OrtReference.create(m.bytes);
    try {
      for (const v of [
        [1, -2, 3],
        [-1, -2, -3],
      ]) {
        const x = f32([1, 3], v);
        const want = Array.from((await ref.run(x.data as Float32Array, x.dims)).outputs.get('z')!.data);
        expect(Array.from(runGraph(m.graph, { x }).get('z')!.data as Float32Array)).toEqual(want);
      }
    } finally {
      await ref.release();
    }
  }, 60_000);

  it('an If with no condition input is refused with its name', () => {
    const node = ifNode('no_cond', '', 'x', 'y');
    expect(() => loadModelBytes(build([node], 'y'), 'if-no-cond.onnx')).toThrow(/node 'no_cond' \(If\): the condition input is missing/);
  });
});
