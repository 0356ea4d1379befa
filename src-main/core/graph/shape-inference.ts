/**
 * Static shape inference over the IR, one op at a time through each op's `inferShape`.
 * It also folds nodes whose inputs are all constant (Shape/Gather/Concat chains from
 * PyTorch exports), so later passes see plain initializers.
 */
import { findOp } from '../ops/registry.js';
import { UnsupportedOpError } from '../ops/types.js';
import type { Graph, Node } from './ir.js';
import type { Tensor } from './tensor.js';

function opFor(graph: Graph, node: Node) {
  const def = findOp(node.op, node.domain, graph.opset);
  if (!def) throw new UnsupportedOpError(node.name, node.domain ? `${node.domain}.${node.op}` : node.op, graph.opset);
  return def;
}

/** Throws UnsupportedOpError for the first node the FP32 path cannot run. */
export function checkSupported(graph: Graph): void {
  for (const n of graph.nodes) opFor(graph, n);
}

export function foldConstants(graph: Graph): number {
  let folded = 0;
  for (const n of [...graph.nodes]) {
    const ins = n.inputs.map((i) => (i ? graph.initializers.get(i) : undefined));
    const allConst = n.inputs.every((i, k) => i === '' || ins[k] !== undefined);
    let outs: Tensor[] | undefined;
    if (n.op === 'Shape' && n.domain === '') {
      const s = graph.shapes.get(n.inputs[0]!);
      if (s && s.every((d) => d > 0) && !n.attrs['start'] && !n.attrs['end']) {
        outs = [{ dtype: 'int64', dims: [s.length], data: Float64Array.from(s) }];
      }
    } else if (allConst && n.inputs.some((i) => i !== '') && n.op !== 'Conv' && n.op !== 'Gemm' && n.op !== 'MatMul') {
      outs = opFor(graph, n).run(n, ins, { opset: graph.opset });
    }
    if (!outs) continue;
    n.outputs.forEach((o, k) => {
      if (o && outs![k]) {
        graph.initializers.set(o, outs![k]!);
        graph.shapes.set(o, [...outs![k]!.dims]);
      }
    });
    graph.nodes = graph.nodes.filter((x) => x !== n);
    folded++;
  }
  return folded;
}

/** Fills graph.shapes for every value; nodes must be topologically sorted. */
export function inferShapes(graph: Graph): void {
  const shapes = graph.shapes;
  for (const i of graph.inputs) {
    if (i.dims.some((d) => d <= 0)) {
      throw new Error(`graph input '${i.name}' has a dynamic shape [${i.dims.map((d) => (d > 0 ? d : '?')).join(',')}]; give a static input shape (e.g. through the card's input.shape)`);
    }
    shapes.set(i.name, [...i.dims]);
  }
  for (const [k, t] of graph.initializers) shapes.set(k, [...t.dims]);
  for (const n of graph.nodes) {
    const def = opFor(graph, n);
    const inShapes = n.inputs.map((i) => (i ? shapes.get(i) : undefined));
    const consts = n.inputs.map((i) => (i ? graph.initializers.get(i) : undefined));
    let outs: number[][];
    try {
      outs = def.inferShape(n, inShapes, consts, { opset: graph.opset });
    } catch (e) {
      const msg = (e as Error).message;
      throw new Error(msg.includes(`'${n.name}'`) ? msg : `node '${n.name}' (${n.op}): ${msg}`);
    }
    n.outputs.forEach((o, k) => {
      if (o && outs[k]) shapes.set(o, outs[k]!);
    });
    if (n.preActOutput && outs[0]) shapes.set(n.preActOutput, outs[0]);
  }
  for (const o of graph.outputs) {
    const s = shapes.get(o.name);
    if (s) o.dims = [...s];
  }
}
