/**
 * Which activation tensors run in int8: the tensors a scale table has scales for (a run's
 * scales.json), or, before any run, the tensors the scale assignment would give a scale to
 * (every quantized layer's input, propagated through the int8 pass-through ops).
 */
import type { Graph } from '../graph/ir.js';
import { assignTensorScales, requantizes } from './assign-scales.js';
import type { QuantPlan } from './plan.js';

export function int8Tensors(graph: Graph, plan: QuantPlan, tableTensors?: Record<string, number>): Set<string> {
  if (tableTensors) return new Set(Object.keys(tableTensors));
  const inputs = new Map(plan.layers.map((l) => [l.input, 1]));
  const outputs = new Set(plan.layers.map((l) => l.output));
  // as if the calibration had measured every requantizing op's inputs
  const measured = new Map<string, number>();
  for (const n of graph.nodes) if (requantizes(graph, n)) for (const x of n.inputs) if (x && !graph.initializers.has(x)) measured.set(x, 1);
  return new Set(Object.keys(assignTensorScales(graph, inputs, outputs, measured)));
}
