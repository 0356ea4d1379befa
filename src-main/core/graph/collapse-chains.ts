/**
 * Folds chains of FP32 nodes (not quantized) into one node each, so a large graph stays
 * readable: a chain is a maximal path a → b → … where each link is the only edge out of the
 * one and the only edge into the next. The folded node keeps the first node's id and lists
 * the chain in `members`.
 */
import type { GraphView, GraphViewNode } from './graph-view.js';

export function collapseFp32Chains(view: GraphView): GraphView {
  const outs = new Map<string, string[]>();
  const ins = new Map<string, string[]>();
  for (const e of view.edges) {
    (outs.get(e.from) ?? outs.set(e.from, []).get(e.from)!).push(e.to);
    (ins.get(e.to) ?? ins.set(e.to, []).get(e.to)!).push(e.from);
  }
  const byId = new Map(view.nodes.map((n) => [n.id, n]));
  const fp32 = (id: string) => !byId.get(id)!.quantized;
  // b continues a's chain: a single edge a → b, both FP32
  const next = (a: string): string | undefined => {
    const o = outs.get(a) ?? [];
    if (o.length !== 1) return undefined;
    const b = o[0]!;
    return fp32(a) && fp32(b) && (ins.get(b) ?? []).length === 1 ? b : undefined;
  };
  const head = new Map<string, string>();
  const nodes: GraphViewNode[] = [];
  for (const n of view.nodes) {
    if (head.has(n.id)) continue;
    const chain = [n.id];
    for (let b = next(n.id); b !== undefined; b = next(b)) chain.push(b);
    for (const id of chain) head.set(id, n.id);
    if (chain.length === 1) {
      nodes.push(n);
      continue;
    }
    const last = byId.get(chain[chain.length - 1]!)!;
    const ops = chain.map((id) => byId.get(id)!.op);
    nodes.push({ ...n, op: `${ops.length} FP32 ops`, outputs: last.outputs, shape: last.shape, reason: `${ops.join(' → ')}: ${n.reason}`, members: chain });
  }
  const edges = view.edges.filter((e) => head.get(e.from) !== head.get(e.to)).map((e) => ({ ...e, from: head.get(e.from)!, to: head.get(e.to)! }));
  return { nodes, edges };
}
