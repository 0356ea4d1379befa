/**
 * TF.js graph model (model.json + weight shards) → ONNX, like the TFLite importer: opset 14,
 * NCHW inside, graph inputs/outputs in the model's own NHWC layout. A dynamic batch becomes 1;
 * any other unknown input dim is refused with its name.
 */
import type { Graph, ValueInfo } from '../graph/ir.js';
import { encodeModel, graphToModelProto } from '../onnx/export-graph.js';
import { ModelFormatError } from '../onnx/model-format.js';
import { TfjsContext, tensorRef } from './context.js';
import { attrShape, decodeWeights, type TfjsModelJson, type TfjsNode } from './model-json.js';
import { TFJS_MAPPERS } from './op-table.js';

export const TFJS_ONNX_OPSET = 14;
const NO_DATA = new Set(['Const', 'Placeholder', 'NoOp']);

function inputShape(ctx: TfjsContext, node: TfjsNode): number[] {
  const s = attrShape(node);
  if (!s) throw ctx.error(node, 'graph input has an unknown rank; a static shape is needed');
  return s.map((d, i) => {
    if (d >= 0) return d;
    if (i === 0) return 1;
    throw ctx.error(node, `graph input has a dynamic dim ${i} in [${s.join(',')}]; only the batch dim may be dynamic`);
  });
}

/** graph outputs: the signature's when given, else the nodes nobody reads */
function outputRefs(m: TfjsModelJson, nodes: TfjsNode[]): string[] {
  const sig = Object.values(m.signature?.outputs ?? {}).map((o) => tensorRef(o.name)!);
  if (sig.length > 0) return sig;
  const read = new Set(nodes.flatMap((n) => (n.input ?? []).map((i) => tensorRef(i)?.split(':')[0])));
  return nodes.filter((n) => !NO_DATA.has(n.op) && !read.has(n.name)).map((n) => n.name);
}

/**
 * Nodes in an order where every input is written first (model.json is not always sorted). A
 * cycle (a TF control-flow loop: Enter/Merge/NextIteration) is refused with a node on it.
 */
function sorted(nodes: TfjsNode[], file: string): TfjsNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const done = new Set<string>();
  const onStack = new Set<string>();
  const out: TfjsNode[] = [];
  const visit = (n: TfjsNode): void => {
    const stack: [TfjsNode, number][] = [[n, 0]];
    onStack.add(n.name);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [node, i] = top;
      const deps = node.input ?? [];
      if (i < deps.length) {
        top[1]++;
        const dep = byName.get(deps[i]!.replace(/^\^/, '').split(':')[0]!);
        if (!dep || done.has(dep.name)) continue;
        if (onStack.has(dep.name)) {
          throw new ModelFormatError(`${file}: TF.js node '${dep.name}' (op ${dep.op}) is on a cycle of the graph (a control-flow loop); loops are not supported`);
        }
        onStack.add(dep.name);
        stack.push([dep, 0]);
        continue;
      }
      done.add(node.name);
      onStack.delete(node.name);
      out.push(node);
      stack.pop();
    }
  };
  for (const n of nodes) if (!done.has(n.name)) visit(n);
  return out;
}

/** Converts a parsed model.json and its shards (one Uint8Array per manifest group) to an IR graph. */
export function tfjsToGraph(m: TfjsModelJson, shards: Uint8Array[], file: string): Graph {
  const nodes = sorted(m.modelTopology.node, file);
  const outRefs = outputRefs(m, nodes);
  const readers = new Map<string, number>();
  for (const r of [...nodes.flatMap((n) => (n.input ?? []).map(tensorRef)), ...outRefs]) if (r) readers.set(r, (readers.get(r) ?? 0) + 1);
  const weights = decodeWeights(m, shards, file);
  for (const [name, t] of m.extraWeights ?? []) weights.set(name, t);
  const ctx = new TfjsContext(weights, file, readers);
  const inputs: ValueInfo[] = [];
  for (const node of nodes) {
    if (node.op === 'Const' || node.op === 'NoOp') {
      if (node.op === 'Const' && !ctx.isConst(node.name)) throw ctx.error(node, 'constant has no data in the weights manifest');
      continue;
    }
    if (node.op === 'Placeholder') {
      const shape = inputShape(ctx, node);
      inputs.push({ name: ctx.bindInput(node.name, shape), dims: shape, dtype: '1' });
      continue;
    }
    const mapper = TFJS_MAPPERS[node.op];
    if (!mapper) throw ctx.error(node, `op ${node.op} is not supported by the TF.js importer`);
    mapper(ctx, node);
  }
  if (inputs.length === 0) throw new ModelFormatError(`${file}: the TF.js graph has no Placeholder input`);
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const outputs = outRefs.map((ref) => {
    const o = ctx.finishOutput(byName.get(ref.split(':')[0]!) ?? { name: ref, op: '?' }, ref);
    return { name: o.name, dims: o.shape, dtype: '1' };
  });
  return { name: 'tfjs', opset: TFJS_ONNX_OPSET, inputs, outputs, nodes: ctx.nodes, initializers: ctx.initializers, shapes: new Map() };
}

export function tfjsToOnnxBytes(m: TfjsModelJson, shards: Uint8Array[], file: string): Uint8Array {
  const graph = tfjsToGraph(m, shards, file);
  return encodeModel(graphToModelProto(graph, { producerName: 'easyquant-studio (tfjs import)', docString: `imported from ${file}` }));
}
