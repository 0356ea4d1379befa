/** Orders nodes so that every node comes after the producers of its inputs. */
import type { Graph, Node } from '../ir.js';

export function topoSort(graph: Graph): void {
  const available = new Set<string>([...graph.inputs.map((i) => i.name), ...graph.initializers.keys(), '']);
  const pending = [...graph.nodes];
  const out: Node[] = [];
  while (pending.length > 0) {
    const before = pending.length;
    for (let i = 0; i < pending.length;) {
      const n = pending[i]!;
      if (n.inputs.every((x) => available.has(x))) {
        out.push(n);
        for (const o of n.outputs) available.add(o);
        pending.splice(i, 1);
      } else i++;
    }
    if (pending.length === before) {
      const n = pending[0]!;
      const missing = n.inputs.filter((x) => !available.has(x));
      throw new Error(
        `node '${n.name}' (${n.op}): input(s) ${missing.map((m) => `'${m}'`).join(', ')} are produced by no node, initializer or graph input (or the graph has a cycle)`,
      );
    }
  }
  graph.nodes = out;
}
