/**
 * Model size and activation memory, computed from the imported graph and its quantization plan:
 *  - weights at FP32 (every initializer the graph reads, at its dtype's size) and at INT8/INT7
 *    (quantized layers: int8 weights, one float32 scale and one int32 bias per output channel;
 *    everything else stays as it is). INT7 is stored in int8, so it weighs the same.
 *  - the EQM file: its payload (int8 weights; per channel an int32 bias, a float32 output
 *    multiplier and a float64 tap multiplier; FP32 constants) plus a per-op and per-tensor
 *    overhead (names, dims, geometry).
 *  - peak activation memory by liveness over the topological order: a tensor lives from the
 *    step that makes it to the last step that reads it (graph outputs to the end); the peak is
 *    the largest sum of live tensors' bytes, 1 byte per element for int8 tensors, 4 for float.
 *    The float graph input is quantized at step 0 when a layer reads it in int8 (both copies live).
 */
import type { Graph } from '../graph/ir.js';
import { numel, type DType } from '../graph/tensor.js';
import type { QuantPlan } from './plan.js';

const DTYPE_BYTES: Record<DType, number> = { float32: 4, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1 };

export interface WeightBytes {
  fp32: number;
  int8: number;
  int7: number;
}

export interface ActivationPeak {
  bytes: number;
  /** the node running when the peak is reached ('' for an empty graph) */
  at: string;
  /** the tensors live at the peak */
  live: string[];
}

function usedInitializers(graph: Graph): string[] {
  const used = new Set<string>();
  for (const n of graph.nodes) for (const i of n.inputs) if (i && graph.initializers.has(i)) used.add(i);
  return [...used];
}

export function weightBytes(graph: Graph, plan: QuantPlan): WeightBytes {
  let fp32 = 0;
  for (const name of usedInitializers(graph)) {
    const t = graph.initializers.get(name)!;
    fp32 += t.data.length * DTYPE_BYTES[t.dtype];
  }
  let int8 = fp32;
  for (const l of plan.layers) {
    const w = graph.initializers.get(l.weight)!;
    const b = l.node.inputs[2] ? graph.initializers.get(l.node.inputs[2]) : undefined;
    int8 -= w.data.length * DTYPE_BYTES[w.dtype] + (b ? b.data.length * DTYPE_BYTES[b.dtype] : 0);
    int8 += w.data.length + 8 * l.geom.cout;
  }
  return { fp32, int8, int7: int8 };
}

/** EQM header (fixed part and five section entries), then per op and per tensor record sizes. */
const EQM_HEADER = 32 + 5 * 16;
const EQM_OP = 24;
const EQM_TENSOR = 16;

export function eqmSizeEstimate(graph: Graph, plan: QuantPlan): number {
  let bytes = EQM_HEADER;
  const quantized = new Set(plan.layers.map((l) => l.name));
  for (const l of plan.layers) bytes += l.wRows.length + 16 * l.geom.cout + 160;
  for (const n of graph.nodes) {
    bytes += EQM_OP + n.name.length + 4 * (n.inputs.length + n.outputs.length);
    for (const o of n.outputs) bytes += EQM_TENSOR + o.length + 4 * (graph.shapes.get(o)?.length ?? 0);
    if (quantized.has(n.name)) continue;
    for (const i of n.inputs) {
      const t = i ? graph.initializers.get(i) : undefined;
      if (t) bytes += EQM_TENSOR + i.length + 4 * t.dims.length + 8 + t.data.length * (t.dtype === 'float32' ? 4 : DTYPE_BYTES[t.dtype]);
    }
  }
  return bytes;
}

export function activationPeak(graph: Graph, int8: Set<string>): ActivationPeak {
  const steps = graph.nodes.length;
  const birth = new Map<string, number>();
  const death = new Map<string, number>();
  const size = new Map<string, number>();
  const add = (t: string, at: number, bytesPerElement: number, shapeOf = t) => {
    birth.set(t, at);
    death.set(t, at);
    size.set(t, numel(graph.shapes.get(shapeOf) ?? [0]) * bytesPerElement);
  };
  for (const i of graph.inputs) {
    add(i.name, 0, 4);
    if (int8.has(i.name)) add(`${i.name} (int8)`, 0, 1, i.name);
  }
  graph.nodes.forEach((n, k) => {
    for (const i of n.inputs) if (birth.has(i)) death.set(i, Math.max(death.get(i)!, k));
    for (const o of n.outputs) if (o) add(o, k, int8.has(o) ? 1 : 4);
  });
  for (const o of graph.outputs) if (birth.has(o.name)) death.set(o.name, steps - 1);
  let best: ActivationPeak = { bytes: 0, at: '', live: [] };
  for (let k = 0; k < steps; k++) {
    const live = [...birth.keys()].filter((t) => birth.get(t)! <= k && k <= death.get(t)!);
    const bytes = live.reduce((a, t) => a + size.get(t)!, 0);
    if (bytes > best.bytes) best = { bytes, at: graph.nodes[k]!.name, live };
  }
  return best;
}
