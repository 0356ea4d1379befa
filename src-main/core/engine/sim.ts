/**
 * Fake-quant simulation engine: the FP32 graph with every quantized layer computing
 * Q(x,Sa)*Q(W,Sw)/(Sa*Sw)+b (activations quantized at layer inputs, weights per channel).
 * This is the model the EQ objective scores and the QDQ export encodes.
 */
import type { Graph } from '../graph/ir.js';
import type { FloatTensor, Tensor } from '../graph/tensor.js';
import { fakeQuantPreAct, inputGrid, quantizeWeights, toOutputLayout, type InputGrid } from '../quant/fake-quant-layer.js';
import { correctedBias } from '../quant/bias-correction.js';
import { layerFlips } from '../quant/weight-rounding.js';
import type { QuantLayer, QuantPlan } from '../quant/plan.js';
import type { ScaleTable } from '../quant/scale-table.js';
import { unsignedTensors } from '../quant/unsigned-acts.js';
import { findLutChains } from './lut-activations.js';
import { applyActivation, runGraph } from './interpreter.js';
import type { EngineRun, InputFeed, LayerTap } from './types.js';

export function createSimEngine(graph: Graph, plan: QuantPlan, table: ScaleTable) {
  const byNode = new Map<string, { layer: QuantLayer; wq: Int8Array; ws: number[]; grid: InputGrid; sa: number }>();
  const unsigned = unsignedTensors(graph, table, new Set([...findLutChains(graph).values()].map((ch) => ch.input)));
  for (const l of plan.layers) {
    const s = table.layers.find((x) => x.name === l.name);
    if (!s) continue; // not in the table: stays FP32
    const grid = inputGrid(unsigned.has(l.input));
    byNode.set(l.name, {
      layer: s.biasDelta ? { ...l, bias: correctedBias(l.bias, s.biasDelta) } : l,
      wq: quantizeWeights(l, s.weightScales, table.qmax, layerFlips(s, l.geom.cout, l.geom.K)),
      ws: s.weightScales,
      grid,
      sa: grid.scale(s.inputScale),
    });
  }
  return {
    run(input: Float32Array, dims: number[], tap?: LayerTap, extra: readonly InputFeed[] = []): EngineRun {
      const feeds: Record<string, Tensor> = { [graph.inputs[0]!.name]: { dtype: 'float32', dims, data: input } };
      for (const f of extra) feeds[f.name] = { dtype: 'float32', dims: f.dims, data: f.data };
      const res = runGraph(graph, feeds, {
        override: (node, inputs) => {
          const q = byNode.get(node.name);
          if (!q) return undefined;
          const x = inputs[0] as FloatTensor;
          const y = fakeQuantPreAct(q.layer, q.grid.quantize(x.data, q.sa, table.qmax), q.sa, q.wq, q.ws, undefined, table.qmax, graph.opset);
          const t = toOutputLayout(q.layer.geom, y);
          tap?.(q.layer.name, node.act ? Float32Array.from(t) : t); // copy: the activation below works in place
          if (node.act) applyActivation(node.act, t);
          return [{ dtype: 'float32', dims: graph.shapes.get(node.outputs[0]!)!, data: t } as Tensor];
        },
      });
      return { outputs: graph.outputs.map((o) => res.get(o.name) as FloatTensor) };
    },
  };
}
