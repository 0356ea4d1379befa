/**
 * Which layers are quantized and why the others stay FP32. Quantizable: Conv (incl. grouped
 * and depthwise) with constant 4-D weights, Gemm and MatMul with constant 2-D weights (a MatMul
 * input of rank 3+ is a Gemm over the rows of its leading axes).
 * Layers sharing one input tensor form a group: they share one activation scale
 * (a tensor has one scale), so EQ searches that scale for the group jointly.
 */
import { attrInt, attrInts, attrString, type Graph, type Node } from '../graph/ir.js';
import type { FloatTensor } from '../graph/tensor.js';
import { preservesRange, REQUANTIZING } from './assign-scales.js';
import { convGeometry, gemmGeometry, type LinearGeom } from './linear-geom.js';

export interface QuantLayer {
  node: Node;
  name: string;
  op: string;
  /** index in topological order among quantized layers */
  index: number;
  input: string;
  /** output after the fused activation */
  output: string;
  /** pre-activation output (the tensor EQ scores) */
  preAct: string;
  weight: string;
  geom: LinearGeom;
  /** weights as [cout][K] rows (K = per-group fan-in), FP32 */
  wRows: Float32Array;
  bias: Float32Array;
}

export interface LayerGroup {
  input: string;
  layers: QuantLayer[];
}

export interface NodeReport {
  name: string;
  op: string;
  quantized: boolean;
  reason: string;
  macs: number;
  params: number;
  inputShape: number[];
  outputShape: number[];
}

export interface QuantPlan {
  layers: QuantLayer[];
  groups: LayerGroup[];
  report: NodeReport[];
}

function rowsFromWeight(w: FloatTensor, transpose: boolean, cout: number, k: number): Float32Array {
  if (!transpose) return Float32Array.from(w.data);
  // weight stored [K][cout] → rows [cout][K]
  const r = new Float32Array(cout * k);
  for (let kk = 0; kk < k; kk++) for (let c = 0; c < cout; c++) r[c * k + kk] = w.data[kk * cout + c]!;
  return r;
}

function whyNot(graph: Graph, n: Node): string | undefined {
  const w = graph.initializers.get(n.inputs[1] ?? '');
  if (!w) return 'weights are not constant';
  if (w.dtype !== 'float32') return `weights are ${w.dtype}, not float32`;
  if (n.inputs[2] && !graph.initializers.get(n.inputs[2])) return 'bias is not constant';
  if (n.op === 'Conv') {
    if (w.dims.length !== 4) return `only 2-D convolution is quantized (weight rank ${w.dims.length})`;
    if (attrString(n, 'auto_pad', 'NOTSET') !== 'NOTSET' && !graph.shapes.get(n.outputs[0]!)) return 'unknown output shape';
    return undefined;
  }
  const xs = graph.shapes.get(n.inputs[0]!);
  if (w.dims.length !== 2) return 'weight is not 2-D';
  // MatMul: the leading axes of a rank-3+ input are rows of one Gemm ([1,T,C] x [C,N])
  if (!xs || (xs.length !== 2 && !(n.op === 'MatMul' && xs.length > 2))) return `input rank ${xs?.length ?? '?'} (only 2-D inputs, or MatMul inputs of rank 3+, are quantized)`;
  if (n.op === 'Gemm') {
    if (attrInt(n, 'transA', 0) !== 0) return 'transA=1';
    if (attrInt(n, 'alpha', 1) !== 1 || attrInt(n, 'beta', 1) !== 1) return 'alpha/beta != 1';
    const c = n.inputs[2] ? graph.initializers.get(n.inputs[2]) : undefined;
    const nOut = attrInt(n, 'transB', 0) ? w.dims[0]! : w.dims[1]!;
    if (c && c.data.length !== nOut) return 'bias C is not one value per output';
  }
  return undefined;
}

export function macsOf(graph: Graph, n: Node): number {
  const out = graph.shapes.get(n.outputs[0]!) ?? [];
  const w = graph.initializers.get(n.inputs[1] ?? '');
  if (n.op === 'Conv' && w) {
    const o = out.reduce((a, b) => a * b, 1);
    return o * w.dims.slice(1).reduce((a, b) => a * b, 1);
  }
  if ((n.op === 'Gemm' || n.op === 'MatMul') && w && w.dims.length === 2) {
    const o = out.reduce((a, b) => a * b, 1);
    const k = n.op === 'Gemm' && attrInt(n, 'transB', 0) ? w.dims[1]! : w.dims[0]!;
    return o * k;
  }
  return 0;
}

/** fp32: layers the per-layer precision keeps in FP32 (core/quant/layer-precision.ts) */
export function planQuantization(graph: Graph, opts: { fp32?: ReadonlySet<string> } = {}): QuantPlan {
  const layers: QuantLayer[] = [];
  const report: NodeReport[] = [];
  for (const n of graph.nodes) {
    const params = n.inputs.slice(1).reduce((a, i) => a + (graph.initializers.get(i)?.data.length ?? 0), 0);
    const base = {
      name: n.name,
      op: n.op + (n.act ? (n.act.kind === 'relu' ? '+Relu' : `+Clip(${n.act.min},${n.act.max})`) : ''),
      macs: macsOf(graph, n),
      params,
      inputShape: graph.shapes.get(n.inputs[0] ?? '') ?? [],
      outputShape: graph.shapes.get(n.outputs[0] ?? '') ?? [],
    };
    if (n.op !== 'Conv' && n.op !== 'Gemm' && n.op !== 'MatMul') {
      const reason = preservesRange(graph, n)
        ? 'no weights: runs on int8 data when its input and output are int8, else FP32'
        : REQUANTIZING.has(n.op)
          ? 'no weights: runs in int8 with requantization when its input and output are int8, else FP32'
          : `${n.op} is not quantized: runs in FP32 behind a dequantize/quantize boundary`;
      report.push({ ...base, quantized: false, reason });
      continue;
    }
    const why = whyNot(graph, n) ?? (opts.fp32?.has(n.name) ? 'kept in FP32 by the per-layer precision setting' : undefined);
    if (why) {
      report.push({ ...base, quantized: false, reason: why });
      continue;
    }
    const w = graph.initializers.get(n.inputs[1]!) as FloatTensor;
    let geom: LinearGeom;
    let rows: Float32Array;
    if (n.op === 'Conv') {
      geom = convGeometry(n, graph.shapes.get(n.inputs[0]!)!, w.dims, graph.shapes.get(n.outputs[0]!)!);
      rows = Float32Array.from(w.data);
    } else {
      const transB = n.op === 'Gemm' && attrInt(n, 'transB', 0) === 1;
      const xs = graph.shapes.get(n.inputs[0]!)!;
      const k = xs[xs.length - 1]!;
      const cout = transB ? w.dims[0]! : w.dims[1]!;
      geom = gemmGeometry(
        xs.slice(0, -1).reduce((a, b) => a * b, 1),
        k,
        cout,
      );
      rows = rowsFromWeight(w, !transB, cout, k);
    }
    const biasT = n.inputs[2] ? (graph.initializers.get(n.inputs[2]) as FloatTensor) : undefined;
    const bias = new Float32Array(geom.cout);
    if (biasT) bias.set(biasT.data.subarray(0, geom.cout));
    layers.push({
      node: n,
      name: n.name,
      op: n.op,
      index: layers.length,
      input: n.inputs[0]!,
      output: n.outputs[0]!,
      preAct: n.preActOutput ?? n.outputs[0]!,
      weight: n.inputs[1]!,
      geom,
      wRows: rows,
      bias,
    });
    const kind =
      geom.kind === 'gemm'
        ? 'fully connected'
        : geom.group > 1 && geom.group === geom.cin
          ? `depthwise ${geom.kh}x${geom.kw}`
          : `${geom.group > 1 ? `grouped (${geom.group}) ` : ''}${geom.kh}x${geom.kw}`;
    const dil = attrInts(n, 'dilations', [1, 1]).some((d) => d !== 1) ? ', dilated' : '';
    report.push({ ...base, quantized: true, reason: `int8 ${kind}${geom.sh > 1 ? ` stride ${geom.sh}` : ''}${dil}; per-channel weights (${geom.cout}), per-tensor input` });
  }
  const byInput = new Map<string, LayerGroup>();
  const groups: LayerGroup[] = [];
  for (const l of layers) {
    let g = byInput.get(l.input);
    if (!g) {
      g = { input: l.input, layers: [] };
      byInput.set(l.input, g);
      groups.push(g);
    }
    g.layers.push(l);
  }
  return { layers, groups, report };
}
