/**
 * Recognises Conv+Relu and Conv+Clip (ReLU6 and other constant clips), also after Gemm/MatMul,
 * and fuses the activation into the layer node. The layer's `preActOutput` keeps the name of
 * the original Conv output so the FP32 reference can still capture it.
 */
import type { Graph } from '../ir.js';
import { attrFloat, consumers, isGraphOutput, producers } from '../ir.js';

const FUSABLE = new Set(['Conv', 'Gemm', 'MatMul']);

function clipBounds(graph: Graph, clip: import('../ir.js').Node): [number, number] | undefined {
  if (graph.opset < 11) return [attrFloat(clip, 'min', -3.4028234663852886e38), attrFloat(clip, 'max', 3.4028234663852886e38)];
  const get = (i: number, d: number): number | undefined => {
    const n = clip.inputs[i];
    if (!n) return d;
    const t = graph.initializers.get(n);
    if (!t || t.data.length !== 1) return undefined;
    return t.data[0]!;
  };
  const lo = get(1, -Infinity);
  const hi = get(2, Infinity);
  if (lo === undefined || hi === undefined) return undefined;
  return [lo, hi];
}

export function fuseActivations(graph: Graph): number {
  let fused = 0;
  const cons = consumers(graph);
  const prod = producers(graph);
  for (const act of [...graph.nodes]) {
    if (act.domain !== '' || (act.op !== 'Relu' && act.op !== 'Clip')) continue;
    const x = act.inputs[0]!;
    const layer = prod.get(x);
    if (!layer || !FUSABLE.has(layer.op) || layer.act) continue;
    if ((cons.get(x) ?? []).length !== 1 || isGraphOutput(graph, x)) continue;
    let min = 0;
    let max = Infinity;
    if (act.op === 'Clip') {
      const b = clipBounds(graph, act);
      if (!b) continue;
      [min, max] = b;
    }
    layer.act = { kind: act.op === 'Relu' ? 'relu' : 'clip', min, max, node: act.name };
    layer.preActOutput = x;
    layer.outputs = [act.outputs[0]!];
    graph.nodes = graph.nodes.filter((n) => n !== act);
    fused++;
  }
  return fused;
}
