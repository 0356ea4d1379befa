/** Small helpers to build ONNX models in tests. */
import { onnx, type IAttributeProto } from '../../src-main/core/onnx/proto.js';
import { encodeTensor } from '../../src-main/core/onnx/tensor-codec.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { mulberry32 } from '../../src-main/core/synth/rng.js';

/** A GRAPH attribute (If branches): nodes, output names, own initializers. */
export interface SubgraphSpec {
  graph: { nodes: NodeSpec[]; outputs: string[]; initializers?: Record<string, Tensor> };
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, number | number[] | string | Tensor | SubgraphSpec>;
  domain?: string;
}

function nodeProto(n: NodeSpec, i: number) {
  return onnx.NodeProto.create({
    name: n.name ?? `${n.op}_${i}`,
    opType: n.op,
    domain: n.domain ?? '',
    input: n.inputs,
    output: n.outputs,
    attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attr(k, v)),
  });
}

function attr(name: string, v: number | number[] | string | Tensor | SubgraphSpec): IAttributeProto {
  if (typeof v === 'object' && 'graph' in v) {
    const g = onnx.GraphProto.create({
      name,
      node: v.graph.nodes.map(nodeProto),
      output: v.graph.outputs.map((o) => onnx.ValueInfoProto.create({ name: o })),
      initializer: Object.entries(v.graph.initializers ?? {}).map(([k, t]) => encodeTensor(k, t)),
    });
    return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.GRAPH, g });
  }
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) });
  if (typeof v === 'number') {
    return Number.isInteger(v)
      ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v })
      : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v });
  }
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
  return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.TENSOR, t: encodeTensor('', v) });
}

export function buildModel(opts: {
  nodes: NodeSpec[];
  /** a string dim is dynamic (an ONNX dim_param) */
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: { name: string; dims?: (number | string)[] }[];
  initializers?: Record<string, Tensor>;
  opset?: number;
}): Uint8Array {
  const vi = (name: string, dims?: (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: 1, shape: dims ? { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } : undefined } },
    });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'easyquant-test',
    opsetImport: [{ domain: '', version: opts.opset ?? 13 }],
    graph: {
      name: 'test',
      node: opts.nodes.map(nodeProto),
      input: opts.inputs.map((i) => vi(i.name, i.dims)),
      output: opts.outputs.map((o) => vi(o.name, o.dims)),
      initializer: Object.entries(opts.initializers ?? {}).map(([k, t]) => encodeTensor(k, t)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Deterministic PRNG: the same mulberry32 the synthetic networks use. */
export const rng = mulberry32;

export function randomTensor(dims: number[], r: () => number, scale = 1): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = (r() * 2 - 1) * scale;
  return { dtype: 'float32', dims, data: d };
}
