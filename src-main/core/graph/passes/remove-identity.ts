/** Removes Identity and inference-time Dropout nodes by rewiring their consumers. */
import type { Graph } from '../ir.js';
import { isGraphOutput } from '../ir.js';

export function removeIdentity(graph: Graph): number {
  let removed = 0;
  for (const n of [...graph.nodes]) {
    if (n.op !== 'Identity' && n.op !== 'Dropout') continue;
    if (n.domain !== '') continue;
    const src = n.inputs[0]!;
    const dst = n.outputs[0]!;
    if (n.outputs.slice(1).some((o) => o !== '')) continue; // Dropout mask is used: keep
    if (isGraphOutput(graph, dst)) continue;
    for (const m of graph.nodes) m.inputs = m.inputs.map((x) => (x === dst ? src : x));
    graph.nodes = graph.nodes.filter((x) => x !== n);
    removed++;
  }
  return removed;
}
