/** The graph page's data: one view node per IR node, edges by tensor, FP32 chains folded, a layered layout. */
import { describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { buildGraphView, type GraphView } from '../../src-main/core/graph/graph-view.js';
import { collapseFp32Chains } from '../../src-main/core/graph/collapse-chains.js';
import { layoutGraph, NODE_H } from '../../src-main/core/graph/graph-layout.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import { loadModel } from '../../src-main/io/model-file.js';
import { tinyModelBytes } from '../helpers/native-models.js';
import { describeShared, modelPath } from '../helpers/shared.js';

function tinyView(): GraphView {
  const { graph } = loadModelBytes(tinyModelBytes(), 'tiny.onnx');
  return buildGraphView(graph, planQuantization(graph));
}

describe('buildGraphView', () => {
  it('has every node of the imported graph, with its plan decision, group and output shape', () => {
    const v = tinyView();
    // the import fuses relu1/relu2/relu6_3 into their convs
    expect(v.nodes.map((n) => n.id)).toEqual(['conv1', 'pool1', 'conv2', 'conv3', 'cat', 'conv4', 'add', 'relu_sum', 'apool', 'conv5', 'gap', 'flat', 'fc', 'softmax']);
    const byId = new Map(v.nodes.map((n) => [n.id, n]));
    expect(byId.get('conv1')).toMatchObject({ op: 'Conv+Relu', quantized: true, group: 'conv1', inputs: ['x'], shape: [1, 8, 12, 12] });
    // layers reading the same tensor share one calibration group, named as the calibration names it
    for (const id of ['conv2', 'conv3', 'conv4']) expect(byId.get(id)!.group).toBe('conv2+conv3+conv4');
    expect(byId.get('softmax')).toMatchObject({ quantized: false, group: null });
    expect(byId.get('softmax')!.reason).toMatch(/Softmax is not quantized/);
    // weights are not graph edges
    expect(byId.get('conv1')!.inputs).not.toContain('w1');
  });

  it('draws one edge per producer, consumer and tensor', () => {
    const v = tinyView();
    const e = (from: string, to: string) => v.edges.filter((x) => x.from === from && x.to === to);
    expect(e('pool1', 'conv2')).toEqual([{ from: 'pool1', to: 'conv2', tensor: 'p1' }]);
    expect(e('cat', 'add').length + e('conv4', 'add').length).toBe(2);
    expect(v.edges.filter((x) => x.to === 'conv1')).toEqual([]); // fed by the graph input
    expect(v.edges.length).toBe(15);
  });
});

describe('collapseFp32Chains', () => {
  it('folds a run of single-edge FP32 nodes into the first, keeping the graph connected', () => {
    const v = tinyView();
    const c = collapseFp32Chains(v);
    // add → relu_sum → apool (FP32 chain) and gap → flat (FP32 chain, fc is quantized)
    const ids = c.nodes.map((n) => n.id);
    expect(ids).toEqual(['conv1', 'pool1', 'conv2', 'conv3', 'cat', 'conv4', 'add', 'conv5', 'gap', 'fc', 'softmax']);
    const add = c.nodes.find((n) => n.id === 'add')!;
    expect(add.members).toEqual(['add', 'relu_sum', 'apool']);
    expect(add.op).toBe('3 FP32 ops');
    expect(add.outputs).toEqual(['ap']);
    expect(c.edges.filter((e) => e.from === 'add')).toEqual([{ from: 'add', to: 'conv5', tensor: 'ap' }]);
    expect(c.nodes.find((n) => n.id === 'gap')!.members).toEqual(['gap', 'flat']);
    // no edge points inside a folded chain
    for (const e of c.edges) expect(ids).toContain(e.to);
  });

  it('leaves a quantized layer and a fork alone', () => {
    const v: GraphView = {
      nodes: ['a', 'b', 'c', 'd'].map((id) => ({ id, op: 'Relu', inputs: [], outputs: [id], shape: [], quantized: id === 'b', group: null, reason: '' })),
      edges: [
        { from: 'a', to: 'b', tensor: 'a' },
        { from: 'b', to: 'c', tensor: 'b' },
        { from: 'b', to: 'd', tensor: 'b' },
      ],
    };
    expect(collapseFp32Chains(v)).toEqual(v);
  });
});

describe('layoutGraph', () => {
  it('places every node, every edge pointing down', () => {
    const v = tinyView();
    const l = layoutGraph(v);
    const pos = new Map(l.positions.map((p) => [p.id, p]));
    expect(pos.size).toBe(v.nodes.length);
    for (const e of v.edges) expect(pos.get(e.to)!.y).toBeGreaterThan(pos.get(e.from)!.y);
    // each route runs from its source node down to its target node
    expect(l.routes.length).toBe(v.edges.length);
    v.edges.forEach((e, i) => {
      const r = l.routes[i]!;
      expect(r.length).toBeGreaterThanOrEqual(2);
      expect(r[0]![1]).toBeLessThan(r[r.length - 1]![1]);
      expect(Math.abs(r[r.length - 1]![1] - pos.get(e.to)!.y)).toBeLessThanOrEqual(NODE_H);
    });
    for (const p of l.positions) {
      expect(p.x).toBeGreaterThan(0);
      expect(p.x).toBeLessThan(l.width);
      expect(p.y).toBeLessThan(l.height);
    }
  });
});

describeShared('graph view of squeezenet1.1 (../shared)', () => {
  it('one node per IR node, the 26 quantized layers in their groups, laid out in ranks', () => {
    const { graph } = loadModel(modelPath('squeezenet1.1'));
    const v = buildGraphView(graph, planQuantization(graph));
    expect(v.nodes.length).toBe(graph.nodes.length);
    expect(v.nodes.filter((n) => n.quantized).length).toBe(26);
    // each fire module's two expand convs read the squeeze output: one group
    expect(new Set(v.nodes.filter((n) => n.quantized).map((n) => n.group)).size).toBe(18);
    const l = layoutGraph(v);
    const pos = new Map(l.positions.map((p) => [p.id, p]));
    for (const e of v.edges) expect(pos.get(e.to)!.y).toBeGreaterThan(pos.get(e.from)!.y);
  });
});
