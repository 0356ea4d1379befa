/**
 * A small FP32 graph interpreter over the IR: runs nodes in order with the op kernels from
 * the registry, applies fused activations, frees values after their last use, and lets the
 * quantized engines replace individual nodes through `override`.
 */
import type { FusedActivation, Graph, Node } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import { findOp } from '../ops/registry.js';
import { UnsupportedOpError } from '../ops/types.js';

export interface RunOptions {
  /** extra values to keep and return besides the graph outputs */
  fetch?: Iterable<string>;
  /** replace a node's computation (return undefined to run it normally) */
  override?: (node: Node, inputs: (Tensor | undefined)[]) => Tensor[] | undefined;
  /** observe every node's outputs */
  after?: (node: Node, outputs: Tensor[]) => void;
}

export function applyActivation(act: FusedActivation, data: Float32Array): void {
  const lo = act.kind === 'relu' ? 0 : act.min;
  const hi = act.kind === 'relu' ? Infinity : act.max;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    data[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

function lastUses(graph: Graph, keep: Set<string>): Map<string, number> {
  const last = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.inputs.forEach((x) => x && last.set(x, i)));
  for (const k of keep) last.set(k, Infinity);
  return last;
}

export function runNodeFp32(graph: Graph, node: Node, inputs: (Tensor | undefined)[]): Tensor[] {
  const def = findOp(node.op, node.domain, graph.opset);
  if (!def) throw new UnsupportedOpError(node.name, node.op, graph.opset);
  const outs = def.run(node, inputs, { opset: graph.opset });
  if (node.act && outs[0]) {
    const t = outs[0];
    if (t.dtype !== 'float32') throw new Error(`node '${node.name}': fused activation on a ${t.dtype} output`);
    // kernels may return a view of an input; copy before the in-place activation
    const data = Float32Array.from(t.data as Float32Array);
    applyActivation(node.act, data);
    outs[0] = { dtype: 'float32', dims: t.dims, data };
  }
  return outs;
}

export function runGraph(graph: Graph, feeds: Record<string, Tensor>, opts: RunOptions = {}): Map<string, Tensor> {
  const keep = new Set<string>([...graph.outputs.map((o) => o.name), ...(opts.fetch ?? [])]);
  const last = lastUses(graph, keep);
  const values = new Map<string, Tensor>();
  for (const i of graph.inputs) {
    const t = feeds[i.name];
    if (!t) throw new Error(`missing input '${i.name}'`);
    const want = graph.shapes.get(i.name);
    if (want && (want.length !== t.dims.length || want.some((d, k) => d !== t.dims[k]))) {
      throw new Error(`input '${i.name}' has shape [${t.dims.join(',')}], the model expects [${want.join(',')}]`);
    }
    values.set(i.name, t);
  }
  const get = (name: string): Tensor | undefined => (name ? (values.get(name) ?? graph.initializers.get(name)) : undefined);
  graph.nodes.forEach((node, idx) => {
    const inputs = node.inputs.map(get);
    node.inputs.forEach((x, k) => {
      if (x && inputs[k] === undefined) throw new Error(`node '${node.name}' (${node.op}): input '${x}' is not available`);
    });
    const outs = opts.override?.(node, inputs) ?? runNodeFp32(graph, node, inputs);
    node.outputs.forEach((o, k) => o && outs[k] && values.set(o, outs[k]!));
    opts.after?.(node, outs);
    for (const x of node.inputs) if (x && (last.get(x) ?? -1) <= idx && !keep.has(x)) values.delete(x);
  });
  const result = new Map<string, Tensor>();
  for (const k of keep) {
    const v = get(k);
    if (v) result.set(k, v);
  }
  return result;
}
