/**
 * Folds BatchNormalization into the preceding Conv: W' = W * g/sqrt(v+eps) per output
 * channel, b' = (b - mean) * g/sqrt(v+eps) + beta. Only when the Conv output feeds the BN alone.
 */
import type { Graph } from '../ir.js';
import { attrFloat, consumers, isGraphOutput, producers } from '../ir.js';
import type { FloatTensor } from '../tensor.js';

export function foldBatchNorm(graph: Graph): number {
  let folded = 0;
  const cons = consumers(graph);
  const prod = producers(graph);
  for (const bn of [...graph.nodes]) {
    if (bn.op !== 'BatchNormalization' || bn.outputs.slice(1).some((o) => o !== '')) continue;
    const conv = prod.get(bn.inputs[0]!);
    if (!conv || conv.op !== 'Conv' || conv.act) continue;
    if ((cons.get(conv.outputs[0]!) ?? []).length !== 1 || isGraphOutput(graph, conv.outputs[0]!)) continue;
    const w = graph.initializers.get(conv.inputs[1]!);
    const params = bn.inputs.slice(1, 5).map((n) => graph.initializers.get(n));
    if (!w || w.dtype !== 'float32' || params.some((p) => !p || p.dtype !== 'float32')) continue;
    const [gamma, beta, mean, varr] = params as FloatTensor[];
    const cout = w.dims[0]!;
    if ([gamma, beta, mean, varr].some((p) => p!.data.length !== cout)) continue;
    const eps = attrFloat(bn, 'epsilon', 1e-5);
    const per = w.data.length / cout;
    const nw = new Float32Array(w.data.length);
    const oldB = conv.inputs[2] ? (graph.initializers.get(conv.inputs[2]) as FloatTensor | undefined) : undefined;
    const nb = new Float32Array(cout);
    for (let c = 0; c < cout; c++) {
      const f = gamma!.data[c]! / Math.sqrt(varr!.data[c]! + eps);
      for (let k = 0; k < per; k++) nw[c * per + k] = w.data[c * per + k]! * f;
      nb[c] = ((oldB ? oldB.data[c]! : 0) - mean!.data[c]!) * f + beta!.data[c]!;
    }
    const wName = `${conv.name}__bnfolded_W`;
    const bName = `${conv.name}__bnfolded_B`;
    graph.initializers.set(wName, { dtype: 'float32', dims: [...w.dims], data: nw });
    graph.initializers.set(bName, { dtype: 'float32', dims: [cout], data: nb });
    conv.inputs = [conv.inputs[0]!, wName, bName];
    conv.outputs = [bn.outputs[0]!];
    graph.nodes = graph.nodes.filter((n) => n !== bn);
    folded++;
  }
  return folded;
}
