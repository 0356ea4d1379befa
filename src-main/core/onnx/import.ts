/**
 * ONNX model file → graph IR. Decoding uses the protobuf schema from `onnx-proto`;
 * Constant nodes become initializers; then shape inference and the graph passes run.
 */
import type { AttrValue, Graph, Node, ValueInfo } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import { AttributeType, type IAttributeProto, type IGraphProto, type IModelProto, type INodeProto, type IValueInfoProto, onnx, toNum } from './proto.js';
import { isTflite, ModelFormatError } from './model-format.js';
import { decodeTensor } from './tensor-codec.js';
import { tfliteToOnnxBytes } from '../tflite/import.js';

export { ModelFormatError };

export function decodeModelProto(bytes: Uint8Array, file: string): IModelProto {
  if (bytes.length === 0) throw new ModelFormatError(`${file}: empty file, not an ONNX model`);
  // a TFLite model is converted first (core/tflite), so every reader of models accepts one
  if (isTflite(bytes)) bytes = tfliteToOnnxBytes(bytes, file);
  let model: IModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelFormatError(`${file}: not a valid ONNX model (protobuf decode failed: ${(e as Error).message})`);
  }
  if (!model.graph || !model.graph.node || model.graph.node.length === 0) {
    throw new ModelFormatError(`${file}: not a valid ONNX model (no graph or no nodes)`);
  }
  if (!model.opsetImport || model.opsetImport.length === 0) {
    throw new ModelFormatError(`${file}: not a valid ONNX model (no opset_import)`);
  }
  return model;
}

export function defaultOpset(model: IModelProto): number {
  const imp = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return imp ? toNum(imp.version) : 1;
}

function decodeAttr(a: IAttributeProto, where: string): AttrValue | undefined {
  switch (a.type) {
    case AttributeType.FLOAT:
      return a.f ?? 0;
    case AttributeType.INT:
      return toNum(a.i);
    case AttributeType.STRING:
      return new TextDecoder().decode(a.s ?? new Uint8Array());
    case AttributeType.FLOATS:
      return [...(a.floats ?? [])];
    case AttributeType.INTS:
      return (a.ints ?? []).map(toNum);
    case AttributeType.STRINGS:
      return (a.strings ?? []).map((s) => new TextDecoder().decode(s));
    case AttributeType.TENSOR:
      return a.t ? decodeTensor(a.t, where) : undefined;
    case AttributeType.GRAPH:
      return a.g ? { subgraph: a.g } : undefined;
    default:
      // lists of graphs, sparse tensors, type protos: not used by supported ops; kept out of the IR
      return undefined;
  }
}

function valueInfo(v: IValueInfoProto): ValueInfo {
  const tt = v.type?.tensorType;
  const dim = tt?.shape?.dim ?? [];
  const dims = dim.map((d) => (d.dimValue !== undefined && d.dimValue !== null && toNum(d.dimValue) > 0 ? toNum(d.dimValue) : -1));
  const info: ValueInfo = { name: v.name ?? '', dims, dtype: String(tt?.elemType ?? 1) };
  if (dims.some((d) => d < 0)) info.dimParams = dim.map((d) => d.dimParam ?? '');
  return info;
}

/**
 * The values a subgraph reads from enclosing scopes: inputs of its nodes (and of nested
 * subgraphs) that no node, initializer or input of it defines.
 */
export function outerScopeReads(g: IGraphProto): string[] {
  const defined = new Set<string>([...(g.initializer ?? []).map((t) => t.name ?? ''), ...(g.input ?? []).map((i) => i.name ?? ''), '']);
  const reads: string[] = [];
  const read = (x: string) => {
    if (!defined.has(x) && !reads.includes(x)) reads.push(x);
  };
  for (const n of g.node ?? []) {
    for (const x of n.input ?? []) read(x);
    for (const a of n.attribute ?? []) if (a.g) outerScopeReads(a.g).forEach(read);
    for (const o of n.output ?? []) defined.add(o);
  }
  for (const o of g.output ?? []) read(o.name ?? '');
  return reads;
}

/** The IR name of each node: its own, or `<op>_<k>` for the k-th unnamed one. */
export function nodeNames(protoNodes: readonly INodeProto[]): string[] {
  let anon = 0;
  return protoNodes.map((n) => (n.name && n.name.length > 0 ? n.name : `${n.opType}_${anon++}`));
}

/**
 * ONNX nodes → IR nodes; Constant nodes become entries of `initializers`. A node with subgraph
 * attributes lists the outer-scope values they read as implicit trailing inputs.
 */
export function decodeNodes(protoNodes: INodeProto[], initializers: Map<string, Tensor>, file: string): Node[] {
  const nodes: Node[] = [];
  const names = nodeNames(protoNodes);
  for (const [k, n] of protoNodes.entries()) {
    const name = names[k]!;
    const attrs: Record<string, AttrValue> = {};
    for (const a of n.attribute ?? []) {
      const v = decodeAttr(a, `${file}: node '${name}'`);
      if (v !== undefined) attrs[a.name ?? ''] = v;
    }
    const node: Node = {
      name,
      op: n.opType ?? '',
      domain: n.domain === 'ai.onnx' ? '' : (n.domain ?? ''),
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attrs,
    };
    const implicit = [...new Set((n.attribute ?? []).flatMap((a) => (a.g ? outerScopeReads(a.g) : [])))].filter((x) => !node.inputs.includes(x));
    if (implicit.length > 0) {
      node.inputs.push(...implicit);
      node.implicitInputs = implicit.length;
    }
    if (node.op === 'Constant' && node.domain === '') {
      const t = constantValue(node);
      if (t) {
        initializers.set(node.outputs[0]!, t);
        continue;
      }
    }
    nodes.push(node);
  }
  return nodes;
}

/** Converts a decoded ModelProto to the raw IR (no passes applied). */
export function modelToGraph(model: IModelProto, file: string): Graph {
  const g = model.graph!;
  const initializers = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) initializers.set(t.name ?? '', decodeTensor(t, `${file}: initializer`));
  const nodes = decodeNodes(g.node ?? [], initializers, file);
  const inputs = (g.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map(valueInfo);
  return {
    name: g.name ?? 'graph',
    opset: defaultOpset(model),
    inputs,
    outputs: (g.output ?? []).map(valueInfo),
    nodes,
    initializers,
    shapes: new Map(),
  };
}

function constantValue(node: Node): Tensor | undefined {
  const v = node.attrs['value'];
  if (v && typeof v === 'object' && !Array.isArray(v) && !('subgraph' in v)) return v;
  const f = node.attrs['value_float'];
  if (typeof f === 'number') return { dtype: 'float32', dims: [], data: Float32Array.of(f) };
  const fs_ = node.attrs['value_floats'];
  if (Array.isArray(fs_)) return { dtype: 'float32', dims: [fs_.length], data: Float32Array.from(fs_ as number[]) };
  const i = node.attrs['value_int'];
  if (typeof i === 'number') return { dtype: 'int64', dims: [], data: Float64Array.of(i) };
  const is = node.attrs['value_ints'];
  if (Array.isArray(is)) return { dtype: 'int64', dims: [is.length], data: Float64Array.from(is as number[]) };
  return undefined;
}
