/**
 * QDQ ONNX export: the FP32 graph with the quantization of a ScaleTable made explicit as
 * QuantizeLinear/DequantizeLinear pairs (opset 13), the form onnxruntime, TensorRT and
 * OpenVINO turn into integer kernels.
 *
 * For every layer of the table (a Conv, Gemm or MatMul node):
 *  - weight: the float initializer is replaced by an int8 initializer
 *    q = clip(round(w * S_c), -qmax, qmax) per output channel c, read through a per-axis
 *    DequantizeLinear (scale 1/S_c as float32, int8 zero point 0). The output channel axis
 *    is 0 for Conv and for Gemm with transB=1, and the last axis of B for Gemm with
 *    transB=0 and for MatMul (B is [K, N]). The float initializer is dropped unless
 *    another node still reads it.
 *  - input activation: QuantizeLinear → DequantizeLinear (scale 1/S_a, int8 zero point 0)
 *    on the tensor the layer reads. A tensor read by several layers with the same scale gets
 *    one pair shared by them; layers that calibrated different scales for the same tensor
 *    (EasyQuant optimises each layer's input scale) get one pair per distinct scale. Other
 *    (non-quantized) consumers keep reading the float tensor.
 *  - bias stays float (an integer backend folds it as round(b * S_a * S_c)). A layer with a
 *    bias correction (biasDelta) reads a new initializer float32(b + delta); a MatMul with one
 *    becomes the equivalent Gemm (transB=0) with that bias as C.
 *
 * Scale convention: ONNX dequantizes x = q * scale, so scale = 1/S for our multiplier S.
 *
 * Rounding: QuantizeLinear rounds half to even; the weights are rounded the same way, so
 * each int8 weight equals QuantizeLinear(w, 1/S_c) up to the float32 rounding of 1/S_c.
 *
 * Reduced bit widths (qmax < 127, e.g. INT7 with qmax 63): QuantizeLinear with an int8
 * output always saturates to [-128, 127], and ONNX has no way to declare a narrower
 * integer range. Without help, values beyond the calibrated threshold qmax/S would be
 * quantized to up to ±127/±128 and the model would run at 8 bits, not at the bit width
 * the table was calibrated and evaluated for. So a Clip(-qmax/S, qmax/S) is inserted
 * before each QuantizeLinear: x/scale then lies in [-qmax, qmax] and round() keeps it
 * there, which is exactly q = clip(round(x * S), -qmax, qmax). (Weights need no Clip: the
 * int8 initializer already holds only values in [-qmax, qmax].)
 * For 8 bits (qmax 127) the only difference is that QuantizeLinear may produce -128 for
 * x < -127.5/S; no Clip is inserted by default (it would stop backends from fusing the
 * QDQ pattern), set `clipToQmax` to get the exact symmetric range.
 *
 * Unsigned activations (table.unsignedActivations, quant/unsigned-acts.ts): a non-negative
 * tensor on the unsigned grid gets scale 1/(2 S_a) and int8 zero point -qmax, so the stored
 * q = round(x * 2 S_a) - qmax is the integer program's value; its Clip (when one is needed) is
 * [0, 2 qmax / (2 S_a)].
 */
import type { Graph, Node } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import { numel } from '../graph/tensor.js';
import { encodeModel, ExportError, type ExportGraphOptions, graphToModelProto, NameAllocator, toOpset13 } from '../onnx/export-graph.js';
import type { LayerScales, ScaleTable } from '../quant/scale-table.js';
import { layerQmax, qmaxForBits, tensorQmax } from '../quant/scale-table.js';
import { correctedBias } from '../quant/bias-correction.js';
import { decodeFlips, flipBit, roundedWeight } from '../quant/weight-rounding.js';
import { unsignedScale, unsignedTensors } from '../quant/unsigned-acts.js';
import { findLutChains } from '../engine/lut-activations.js';

export interface QdqExportOptions extends ExportGraphOptions {
  /** insert Clip(-qmax/S, qmax/S) before every QuantizeLinear even for qmax = 127 (default false) */
  clipToQmax?: boolean;
}

/** Round half to even, as ONNX QuantizeLinear does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Output channel axis of a layer's weight, and where the weight sits in the node's inputs. */
export function weightChannelAxis(node: Node, weightIndex: number, weightRank: number): number {
  switch (node.op) {
    case 'Conv':
      return 0;
    case 'Gemm': {
      const transB = node.attrs['transB'];
      return transB === 1 ? 0 : 1;
    }
    case 'MatMul':
      // MatMul(x, W): W is [.., K, N], channels are N; MatMul(W, x): W is [.., M, K], channels are M
      return weightIndex === 1 ? weightRank - 1 : weightRank - 2;
    default:
      throw new ExportError(`node '${node.name}': op ${node.op} is not a quantizable layer (Conv, Gemm, MatMul)`);
  }
}

/**
 * int8 per-channel quantization of a float weight: clip(round(w * S_c), -qmax, qmax); with
 * `flips` (a layer's optimised rounding over its [channel][fan-in] rows) the integers every
 * engine uses (core/quant/weight-rounding.ts).
 */
export function quantizeWeight(w: Tensor, axis: number, scales: readonly number[], qmax: number, flips?: Uint8Array): Int8Array {
  const data = w.data as Float32Array;
  const c = w.dims[axis]!;
  const inner = numel(w.dims.slice(axis + 1));
  const outer = data.length / (c * inner);
  const out = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const ch = Math.floor(i / inner) % c;
    const s = scales.length === 1 ? scales[0]! : scales[ch]!;
    if (flips) {
      // row index of the element in the [channel][outer·inner] layout of the quantization plan
      const row = ch * outer * inner + Math.floor(i / (inner * c)) * inner + (i % inner);
      out[i] = roundedWeight(data[i]!, s, qmax, flipBit(flips, row));
      continue;
    }
    const q = roundHalfEven(data[i]! * s);
    out[i] = q > qmax ? qmax : q < -qmax ? -qmax : q;
  }
  return out;
}

interface LayerPlan {
  layer: LayerScales;
  node: Node;
  nodeIndex: number;
  weightIndex: number;
  inputIndex: number;
  axis: number;
}

/**
 * Builds the QDQ model for `graph` (raw or after the graph passes; fused activations are
 * unfused, older opsets upgraded to 13) with the scales of `table`, and returns the
 * encoded ONNX bytes.
 */
export function exportQdqOnnx(graph: Graph, table: ScaleTable, opts: QdqExportOptions = {}): Uint8Array {
  return encodeModel(graphToModelProto(buildQdqGraph(graph, table, opts), opts));
}

/**
 * Points the layer's bias input at float32(b + delta). A MatMul becomes Gemm to get one; a
 * MatMul of rank-3+ activations (Gemm takes 2-D only) gets an Add of the bias after it instead.
 */
function setCorrectedBias(
  p: LayerPlan,
  nodes: Node[],
  inits: Map<string, Tensor>,
  names: NameAllocator,
  cout: number,
  rows2d: boolean,
  insertAfter: (i: number, n: Node) => void,
): void {
  const { layer, node } = p;
  const what = `scale table layer '${layer.name}' (${layer.op}): bias_delta`;
  const delta = layer.biasDelta!;
  if (delta.length !== cout) throw new ExportError(`${what}: ${delta.length} values for ${cout} output channels`);
  const old = node.inputs[2] ? inits.get(node.inputs[2]) : undefined;
  if (node.inputs[2] && (!old || old.dtype !== 'float32' || old.data.length !== cout)) {
    throw new ExportError(`${what}: bias '${node.inputs[2]}' of node '${node.name}' is not a float32 initializer of ${cout} values`);
  }
  const b = correctedBias(old ? (old.data as Float32Array) : new Float32Array(cout), delta);
  const name = names.fresh(`${node.name}_bias_corrected`);
  inits.set(name, { dtype: 'float32', dims: [cout], data: b });
  if (node.op === 'MatMul') {
    if (p.weightIndex !== 1) throw new ExportError(`${what}: a MatMul whose weight is its first input has no bias to correct`);
    if (!rows2d) {
      const out = node.outputs[0]!;
      const pre = names.fresh(`${out}_before_bias`);
      nodes[p.nodeIndex] = { ...node, outputs: [pre, ...node.outputs.slice(1)] };
      insertAfter(p.nodeIndex, { name: names.fresh(`${node.name}_bias_Add`), op: 'Add', domain: '', inputs: [pre, name], outputs: [out], attrs: {} });
      return;
    }
    nodes[p.nodeIndex] = { ...node, op: 'Gemm', attrs: {} };
  }
  nodes[p.nodeIndex]!.inputs[2] = name;
}

/** The QDQ graph as IR (opset 13), before serialisation. */
export function buildQdqGraph(graph: Graph, table: ScaleTable, opts: QdqExportOptions = {}): Graph {
  const qmax = table.qmax;
  if (qmax !== qmaxForBits(table.bits)) throw new ExportError(`scale table: qmax ${qmax} does not match bits ${table.bits}`);
  if (qmax > 127) throw new ExportError(`scale table: qmax ${qmax} does not fit int8`);
  const g = toOpset13(graph);
  const nodes = g.nodes.map((n) => ({ ...n, inputs: [...n.inputs] }));
  const inits = new Map(g.initializers);
  const names = new NameAllocator(g);
  const nodeIndex = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (!nodeIndex.has(n.name)) nodeIndex.set(n.name, i);
  });

  // every tensor name of the graph, to check table.tensors against
  const known = new Set<string>([...g.inputs.map((v) => v.name), ...inits.keys()]);
  for (const n of nodes) for (const o of n.outputs) if (o) known.add(o);
  for (const name of Object.keys(table.tensors)) {
    if (!known.has(name)) throw new ExportError(`scale table: tensor '${name}' (in "tensors") is not a tensor of graph '${g.name}'`);
  }

  // ---- check every layer against the graph
  const plans: LayerPlan[] = [];
  const seenNodes = new Set<string>();
  for (const layer of table.layers) {
    const what = `scale table layer '${layer.name}' (${layer.op})`;
    const idx = nodeIndex.get(layer.name);
    if (idx === undefined) throw new ExportError(`${what}: graph '${g.name}' has no node named '${layer.name}'`);
    if (seenNodes.has(layer.name)) throw new ExportError(`${what}: layer given twice in the table`);
    seenNodes.add(layer.name);
    const node = nodes[idx]!;
    if (node.op !== layer.op) throw new ExportError(`${what}: node '${node.name}' is a ${node.op}, not a ${layer.op}`);
    if (node.op !== 'Conv' && node.op !== 'Gemm' && node.op !== 'MatMul') {
      throw new ExportError(`${what}: op ${node.op} is not supported by the QDQ export (Conv, Gemm, MatMul)`);
    }
    const w = inits.get(layer.weight);
    if (!w) throw new ExportError(`${what}: weight '${layer.weight}' is not an initializer of the graph`);
    if (w.dtype !== 'float32') throw new ExportError(`${what}: weight '${layer.weight}' is ${w.dtype}, expected float32`);
    const weightIndex = node.inputs.indexOf(layer.weight);
    const allowed = node.op === 'MatMul' ? [0, 1] : [1];
    if (!allowed.includes(weightIndex)) {
      throw new ExportError(`${what}: weight '${layer.weight}' is not the weight input of node '${node.name}' (inputs: ${node.inputs.join(', ')})`);
    }
    const inputIndex = node.op === 'MatMul' ? 1 - weightIndex : 0;
    if (node.inputs[inputIndex] !== layer.input) {
      throw new ExportError(`${what}: input tensor '${layer.input}' is not the data input of node '${node.name}' (which reads '${node.inputs[inputIndex] ?? ''}')`);
    }
    if (w.dims.length < (node.op === 'Conv' ? 3 : 2)) throw new ExportError(`${what}: weight '${layer.weight}' has rank ${w.dims.length}`);
    const axis = weightChannelAxis(node, weightIndex, w.dims.length);
    const channels = w.dims[axis]!;
    if (layer.weightScales.length !== channels && layer.weightScales.length !== 1) {
      throw new ExportError(
        `${what}: ${layer.weightScales.length} weight scales for ${channels} output channels (weight '${layer.weight}' dims [${w.dims.join(',')}], channel axis ${axis})`,
      );
    }
    for (const s of [layer.inputScale, ...layer.weightScales]) {
      if (!Number.isFinite(s) || s <= 0) throw new ExportError(`${what}: scale ${s} is not positive and finite`);
    }
    plans.push({ layer, node, nodeIndex: idx, weightIndex, inputIndex, axis });
  }

  // ---- nodes to insert before a given node index
  const before = new Map<number, Node[]>();
  const insertBefore = (i: number, n: Node) => {
    const l = before.get(i);
    if (l) l.push(n);
    else before.set(i, [n]);
  };
  const after = new Map<number, Node[]>();
  const insertAfter = (i: number, n: Node) => after.set(i, [...(after.get(i) ?? []), n]);

  // ---- activations: one Q/DQ pair per (tensor, scale)
  const actPairs = new Map<string, { dq: string; first: number; tensor: string; scale: number }>();
  for (const p of plans) {
    const key = `${p.layer.input}\u0000${p.layer.inputScale}`;
    const e = actPairs.get(key);
    if (e) e.first = Math.min(e.first, p.nodeIndex);
    else actPairs.set(key, { dq: '', first: p.nodeIndex, tensor: p.layer.input, scale: p.layer.inputScale });
  }
  const unsigned = unsignedTensors(graph, table, new Set([...findLutChains(graph).values()].map((ch) => ch.input)));
  for (const e of actPairs.values()) {
    const x = e.tensor;
    // per-layer precision: each tensor clips at its own qmax (tensor_bits)
    const tq = tensorQmax(table, x);
    const clip = tq < 127 || opts.clipToQmax === true;
    const u = unsigned.has(x);
    const scale = Math.fround(1 / (u ? unsignedScale(e.scale) : e.scale));
    const scaleName = names.fresh(`${x}_scale`);
    const zpName = names.fresh(`${x}_zero_point`);
    inits.set(scaleName, { dtype: 'float32', dims: [], data: Float32Array.of(scale) });
    inits.set(zpName, { dtype: 'int8', dims: [], data: Int8Array.of(u ? -tq : 0) });
    let qIn = x;
    if (clip) {
      const lo = names.fresh(`${x}_clip_min`);
      const hi = names.fresh(`${x}_clip_max`);
      const bound = Math.fround((u ? 2 * tq : tq) * scale);
      inits.set(lo, { dtype: 'float32', dims: [], data: Float32Array.of(u ? 0 : -bound) });
      inits.set(hi, { dtype: 'float32', dims: [], data: Float32Array.of(bound) });
      qIn = names.fresh(`${x}_clipped`);
      insertBefore(e.first, { name: names.fresh(`${x}_Clip`), op: 'Clip', domain: '', inputs: [x, lo, hi], outputs: [qIn], attrs: {} });
    }
    const q = names.fresh(`${x}_quantized`);
    e.dq = names.fresh(`${x}_dequantized`);
    insertBefore(e.first, { name: names.fresh(`${x}_QuantizeLinear`), op: 'QuantizeLinear', domain: '', inputs: [qIn, scaleName, zpName], outputs: [q], attrs: {} });
    insertBefore(e.first, { name: names.fresh(`${x}_DequantizeLinear`), op: 'DequantizeLinear', domain: '', inputs: [q, scaleName, zpName], outputs: [e.dq], attrs: {} });
  }

  // ---- weights
  for (const p of plans) {
    const { layer, node, axis } = p;
    const w = inits.get(layer.weight)!;
    const perChannel = layer.weightScales.length > 1 || w.dims[axis] === 1;
    const qName = names.fresh(`${layer.weight}_quantized`);
    const sName = names.fresh(`${layer.weight}_scale`);
    const zName = names.fresh(`${layer.weight}_zero_point`);
    const dqName = names.fresh(`${layer.weight}_dequantized`);
    const nScales = perChannel ? w.dims[axis]! : 1;
    const scales = layer.weightScales.length === 1 ? new Array<number>(nScales).fill(layer.weightScales[0]!) : layer.weightScales;
    inits.set(qName, {
      dtype: 'int8',
      dims: [...w.dims],
      data: quantizeWeight(
        w,
        axis,
        layer.weightScales,
        layerQmax(table, layer),
        layer.weightRoundFlip === undefined ? undefined : decodeFlips(layer.weightRoundFlip, w.data.length, `scale table layer '${layer.name}'`),
      ),
    });
    inits.set(sName, { dtype: 'float32', dims: perChannel ? [nScales] : [], data: Float32Array.from(scales, (s) => 1 / s) });
    inits.set(zName, { dtype: 'int8', dims: perChannel ? [nScales] : [], data: new Int8Array(nScales) });
    insertBefore(p.nodeIndex, {
      name: names.fresh(`${layer.weight}_DequantizeLinear`),
      op: 'DequantizeLinear',
      domain: '',
      inputs: [qName, sName, zName],
      outputs: [dqName],
      attrs: perChannel ? { axis } : {},
    });
    node.inputs[p.weightIndex] = dqName;
    const act = actPairs.get(`${layer.input}\u0000${layer.inputScale}`)!;
    node.inputs[p.inputIndex] = act.dq;
    if (layer.biasDelta) setCorrectedBias(p, nodes, inits, names, w.dims[axis]!, (g.shapes.get(layer.input)?.length ?? 2) <= 2, insertAfter);
  }

  // drop float weights (and biases replaced by corrected ones) nobody reads any more
  const oldBiases = plans.filter((p) => p.layer.biasDelta && p.node.inputs[2]).map((p) => g.nodes[p.nodeIndex]!.inputs[2]!);
  const read = new Set<string>();
  for (const n of nodes) for (const i of n.inputs) if (i) read.add(i);
  for (const o of g.outputs) read.add(o.name);
  for (const p of plans) if (!read.has(p.layer.weight)) inits.delete(p.layer.weight);
  for (const b of oldBiases) if (!read.has(b)) inits.delete(b);

  const out: Node[] = [];
  nodes.forEach((n, i) => {
    const pre = before.get(i);
    if (pre) out.push(...pre);
    out.push(n, ...(after.get(i) ?? []));
  });
  return { ...g, nodes: out, initializers: inits };
}
