/**
 * The model graph as the graph page draws it: one node per IR node (after the import passes),
 * an edge per (producer, consumer, tensor), each node with its quantization decision and the
 * reason from the quantization plan, and the calibration group a quantized layer belongs to
 * (named as the calibration names it: the group's layer names joined by '+').
 */
import type { GraphViewNode } from '../../contract/app-types.js';
import type { Graph } from './ir.js';
import type { QuantPlan } from '../quant/plan.js';

export type { GraphViewNode };

export interface GraphViewEdge {
  from: string;
  to: string;
  tensor: string;
}

export interface GraphView {
  nodes: GraphViewNode[];
  edges: GraphViewEdge[];
}

export function buildGraphView(graph: Graph, plan: QuantPlan): GraphView {
  const report = new Map(plan.report.map((r) => [r.name, r]));
  const groupOf = new Map<string, string>();
  for (const g of plan.groups) {
    const name = g.layers.map((l) => l.name).join('+');
    for (const l of g.layers) groupOf.set(l.name, name);
  }
  const producer = new Map<string, string>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o) producer.set(o, n.name);
  const nodes: GraphViewNode[] = [];
  const edges: GraphViewEdge[] = [];
  for (const n of graph.nodes) {
    const r = report.get(n.name);
    if (!r) throw new Error(`graph view: node '${n.name}' (${n.op}) is missing from the quantization plan`);
    const inputs = n.inputs.filter((i) => i && !graph.initializers.has(i));
    nodes.push({
      id: n.name,
      op: r.op,
      inputs,
      outputs: n.outputs.filter((o) => o),
      shape: graph.shapes.get(n.outputs[0] ?? '') ?? [],
      quantized: r.quantized,
      group: groupOf.get(n.name) ?? null,
      reason: r.reason,
    });
    const seen = new Set<string>();
    for (const t of inputs) {
      const from = producer.get(t);
      if (from === undefined || seen.has(`${from}|${t}`)) continue;
      seen.add(`${from}|${t}`);
      edges.push({ from, to: n.name, tensor: t });
    }
  }
  return { nodes, edges };
}
