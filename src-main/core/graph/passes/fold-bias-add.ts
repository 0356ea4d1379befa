/**
 * Folds `Conv → Add(per-channel constant)` into the Conv bias, and turns
 * `MatMul(x[M,K], W[K,N] const) → Add(const [N] or [1,N])` into Gemm(x, W, b). Exporters
 * such as CNTK emit biases as separate Add nodes (the MNIST model does).
 */
import type { Graph, Node } from '../ir.js';
import { consumers, isGraphOutput, producers } from '../ir.js';
import type { FloatTensor } from '../tensor.js';

function constOperand(graph: Graph, add: Node, other: string): FloatTensor | undefined {
  const name = add.inputs[0] === other ? add.inputs[1]! : add.inputs[0]!;
  const t = graph.initializers.get(name);
  return t && t.dtype === 'float32' ? (t as FloatTensor) : undefined;
}

export function foldBiasAdd(graph: Graph): number {
  let folded = 0;
  const cons = consumers(graph);
  const prod = producers(graph);
  for (const add of [...graph.nodes]) {
    if (add.op !== 'Add' || add.inputs.length !== 2) continue;
    for (const side of [0, 1]) {
      const x = add.inputs[side]!;
      const p = prod.get(x);
      if (!p || p.act || (cons.get(x) ?? []).length !== 1 || isGraphOutput(graph, x)) continue;
      const c = constOperand(graph, add, x);
      if (!c) continue;
      if (p.op === 'Conv') {
        const w = graph.initializers.get(p.inputs[1]!);
        if (!w) continue;
        const cout = w.dims[0]!;
        const rank = graph.shapes.get(x)?.length ?? 4;
        // the constant must be one value per channel, broadcast over N and spatial dims
        const cd = c.dims;
        const okShape = c.data.length === cout && cd.length <= rank && cd.every((d, i) => d === 1 || (d === cout && i === cd.length - (rank - 1)));
        if (!okShape) continue;
        const old = p.inputs[2] ? (graph.initializers.get(p.inputs[2]) as FloatTensor | undefined) : undefined;
        const nb = new Float32Array(cout);
        for (let i = 0; i < cout; i++) nb[i] = (old ? old.data[i]! : 0) + c.data[i]!;
        const bName = `${p.name}__bias`;
        graph.initializers.set(bName, { dtype: 'float32', dims: [cout], data: nb });
        p.inputs = [p.inputs[0]!, p.inputs[1]!, bName];
      } else if (p.op === 'MatMul') {
        const w = graph.initializers.get(p.inputs[1]!);
        const xs = graph.shapes.get(p.inputs[0]!);
        if (!w || w.dims.length !== 2 || !xs || xs.length !== 2) continue;
        const n = w.dims[1]!;
        if (c.data.length !== n || !(c.dims.length === 1 || (c.dims.length === 2 && c.dims[0] === 1))) continue;
        const bName = `${p.name}__bias`;
        graph.initializers.set(bName, { dtype: 'float32', dims: [n], data: Float32Array.from(c.data) });
        p.op = 'Gemm';
        p.inputs = [p.inputs[0]!, p.inputs[1]!, bName];
        p.attrs = { alpha: 1, beta: 1, transA: 0, transB: 0 };
      } else continue;
      p.outputs = [add.outputs[0]!];
      graph.nodes = graph.nodes.filter((n) => n !== add);
      folded++;
      break;
    }
  }
  return folded;
}
