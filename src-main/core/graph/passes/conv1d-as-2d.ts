/**
 * 1-D convolutions (rank-3 input [N, C, L], rank-3 constant weights [O, C/g, K], e.g. audio
 * front ends) become 2-D ones with H = 1: Unsqueeze(x, 2) → Conv [O, C/g, 1, K] → Squeeze(2).
 * Every later stage (quantization plan, integer reference, native runtime) then handles them
 * as the 2-D convs it already knows. The values the rewrite adds are named `<value>::h1`: the
 * FP32 reference captures `<value>` from the original model and adds the unit axis (h1Source).
 */
import type { Graph, Node } from '../ir.js';
import { attrInts, consumers } from '../ir.js';

export const H1_SUFFIX = '::h1';

/** The original value a `::h1` name views with a unit axis 2, or undefined for other names. */
export function h1Source(name: string): string | undefined {
  return name.endsWith(H1_SUFFIX) ? name.slice(0, -H1_SUFFIX.length) : undefined;
}

/** An Unsqueeze/Squeeze on axis 2, with the axes as attribute or input as the opset wants. */
function axisOp(graph: Graph, op: 'Unsqueeze' | 'Squeeze', name: string, input: string, output: string): Node {
  if (graph.opset < 13) return { name, op, domain: '', inputs: [input], outputs: [output], attrs: { axes: [2] } };
  const axes = `${name}::axes`;
  graph.initializers.set(axes, { dtype: 'int64', dims: [1], data: Float64Array.of(2) });
  return { name, op, domain: '', inputs: [input, axes], outputs: [output], attrs: {} };
}

/** Returns the number of convs rewritten. */
export function conv1dAs2d(graph: Graph): number {
  let count = 0;
  const unsqueezed = new Set<string>();
  const out: Node[] = [];
  for (const n of graph.nodes) {
    const w = n.op === 'Conv' && n.domain === '' ? graph.initializers.get(n.inputs[1] ?? '') : undefined;
    if (!w || w.dims.length !== 3) {
      out.push(n);
      continue;
    }
    const x = n.inputs[0]!;
    const x2 = x + H1_SUFFIX;
    if (!unsqueezed.has(x)) {
      out.push(axisOp(graph, 'Unsqueeze', `${n.name}${H1_SUFFIX}_in`, x, x2));
      unsqueezed.add(x);
    }
    const w2 = n.inputs[1]! + H1_SUFFIX;
    if (!graph.initializers.has(w2)) graph.initializers.set(w2, { ...w, dims: [w.dims[0]!, w.dims[1]!, 1, w.dims[2]!] });
    const attrs = { ...n.attrs };
    if (n.attrs['kernel_shape'] !== undefined) attrs['kernel_shape'] = [1, ...attrInts(n, 'kernel_shape', [])];
    attrs['strides'] = [1, ...attrInts(n, 'strides', [1])];
    attrs['dilations'] = [1, ...attrInts(n, 'dilations', [1])];
    const [p0, p1] = attrInts(n, 'pads', [0, 0]);
    attrs['pads'] = [0, p0!, 0, p1!];
    const y = n.outputs[0]!;
    out.push({ ...n, inputs: [x2, w2, ...n.inputs.slice(2)], outputs: [y + H1_SUFFIX], attrs });
    out.push(axisOp(graph, 'Squeeze', `${n.name}${H1_SUFFIX}_out`, y + H1_SUFFIX, y));
    count++;
  }
  graph.nodes = out;
  // the rank-3 weights only the rewritten convs read
  const read = consumers(graph);
  for (const [k, t] of [...graph.initializers]) if (t.dims.length === 3 && graph.initializers.has(k + H1_SUFFIX) && !read.has(k)) graph.initializers.delete(k);
  return count;
}
