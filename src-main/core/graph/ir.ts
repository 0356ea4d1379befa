/**
 * The typed graph IR every part of the core works on. It keeps ONNX tensor names, so a
 * tensor in the IR can always be matched with the same tensor in the original model
 * (the FP32 reference captures intermediate outputs by those names).
 */
import type { Tensor } from './tensor.js';

/** A GRAPH attribute (If/Loop/Scan body): the decoded ONNX GraphProto, kept as it is. */
export interface SubgraphAttr {
  subgraph: unknown;
}

export type AttrValue = number | string | number[] | string[] | Tensor | SubgraphAttr;

/** Activation fused into a Conv/Gemm: Relu, or Clip(min,max) (ReLU6 is clip 0..6). */
export interface FusedActivation {
  kind: 'relu' | 'clip';
  min: number;
  max: number;
  /** name of the original activation node, kept for reports and exports */
  node: string;
}

export interface Node {
  name: string;
  op: string;
  domain: string;
  inputs: string[]; // '' marks an omitted optional input
  outputs: string[];
  attrs: Record<string, AttrValue>;
  /** set by the fusion pass on Conv/Gemm/MatMul nodes */
  act?: FusedActivation;
  /**
   * the number of trailing `inputs` that are outer-scope values its subgraphs read (not ONNX
   * inputs of the node; listed so ordering, liveness and the FP32 fallback see them)
   */
  implicitInputs?: number;
  /** the pre-activation output name when an activation was fused (the node output is then the activation's output) */
  preActOutput?: string;
}

export interface ValueInfo {
  name: string;
  /** -1 marks a dynamic dimension */
  dims: number[];
  dtype: string;
  /** ONNX dim_param names of dynamic dimensions ('' where none), for messages */
  dimParams?: string[];
}

export interface Graph {
  name: string;
  opset: number;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: Node[];
  /** constant tensors: ONNX initializers and folded Constant nodes */
  initializers: Map<string, Tensor>;
  /** static shapes of every value, filled by shape inference */
  shapes: Map<string, number[]>;
}

export function attrInt(node: Node, name: string, dflt: number): number {
  const v = node.attrs[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'number') throw new Error(`node '${node.name}' (${node.op}): attribute ${name} is not a number`);
  return v;
}

export function attrFloat(node: Node, name: string, dflt: number): number {
  return attrInt(node, name, dflt);
}

export function attrInts(node: Node, name: string, dflt: number[]): number[] {
  const v = node.attrs[name];
  if (v === undefined) return dflt;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) {
    throw new Error(`node '${node.name}' (${node.op}): attribute ${name} is not a list of ints`);
  }
  return v as number[];
}

export function attrString(node: Node, name: string, dflt: string): string {
  const v = node.attrs[name];
  if (v === undefined) return dflt;
  if (typeof v !== 'string') throw new Error(`node '${node.name}' (${node.op}): attribute ${name} is not a string`);
  return v;
}

/** Map from tensor name to the nodes consuming it. */
export function consumers(graph: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    for (const i of n.inputs) {
      if (!i) continue;
      const l = m.get(i);
      if (l) l.push(n);
      else m.set(i, [n]);
    }
  }
  return m;
}

/** Map from tensor name to the node producing it. */
export function producers(graph: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o) m.set(o, n);
  return m;
}

export function isGraphOutput(graph: Graph, name: string): boolean {
  return graph.outputs.some((o) => o.name === name);
}
