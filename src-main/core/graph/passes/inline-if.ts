/**
 * An If whose condition is a constant (after folding) is replaced by the nodes of the branch it
 * takes: the branch's own values and initializers get the prefix `<If name>/`, values it reads
 * from the enclosing graph keep their names, and each branch output feeds the If's output
 * through an Identity (removed by the identity pass).
 */
import { decodeNodes } from '../../onnx/import.js';
import type { IGraphProto } from '../../onnx/proto.js';
import { decodeTensor } from '../../onnx/tensor-codec.js';
import type { Graph, Node } from '../ir.js';
import type { Tensor } from '../tensor.js';

export type BranchKey = 'then_branch' | 'else_branch';

/** The subgraph of an If's branch, or a clear error when the attribute is missing. */
export function branchProto(node: Node, key: BranchKey): IGraphProto {
  const attr = node.attrs[key];
  if (!attr || typeof attr !== 'object' || !('subgraph' in attr)) throw new Error(`node '${node.name}' (If): attribute ${key} is missing`);
  return attr.subgraph as IGraphProto;
}

/**
 * The nodes of branch `key` of If `node`, renamed with `prefix` (outer-scope values keep their
 * names; the branch's initializers are added to `graph`), and the names of the branch outputs.
 */
export function branchNodes(graph: Graph, node: Node, key: BranchKey, prefix: string): { nodes: Node[]; outputs: string[] } {
  const g = branchProto(node, key);
  const where = `node '${node.name}' (If) ${key}`;
  const local = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) local.set(t.name ?? '', decodeTensor(t, `${where}: initializer`));
  const nodes = decodeNodes(g.node ?? [], local, where);
  const rename = new Map<string, string>();
  const prefixed = (x: string) => `${prefix}${x}`;
  for (const k of local.keys()) rename.set(k, prefixed(k));
  for (const n of nodes) for (const o of n.outputs) if (o) rename.set(o, prefixed(o));
  for (const [k, t] of local) {
    graph.initializers.set(rename.get(k)!, t);
    graph.shapes.set(rename.get(k)!, [...t.dims]);
  }
  const out: Node[] = nodes.map((n) => ({
    ...n,
    name: prefixed(n.name),
    inputs: n.inputs.map((x) => rename.get(x) ?? x),
    outputs: n.outputs.map((o) => (o ? rename.get(o)! : o)),
  }));
  const outs = g.output ?? [];
  if (outs.length !== node.outputs.length) throw new Error(`${where}: ${outs.length} outputs, the If has ${node.outputs.length}`);
  return { nodes: out, outputs: outs.map((o) => rename.get(o.name ?? '') ?? o.name ?? '') };
}

/** The branch If `node` takes for constant condition `cond`, as nodes of `graph` (its initializers added to it). */
export function inlineIf(graph: Graph, node: Node, cond: Tensor): Node[] {
  if (cond.data.length !== 1) throw new Error(`node '${node.name}' (If): the condition has ${cond.data.length} values, expected 1`);
  const key = Number(cond.data[0]) ? 'then_branch' : 'else_branch';
  const prefix = `${node.name}/`;
  const { nodes, outputs } = branchNodes(graph, node, key, prefix);
  outputs.forEach((src, k) => {
    if (node.outputs[k]) nodes.push({ name: `${prefix}output_${k}`, op: 'Identity', domain: '', inputs: [src], outputs: [node.outputs[k]!], attrs: {} });
  });
  return nodes;
}
