/**
 * Dynamically quantized models (onnxruntime's quantize_dynamic) hold int8 weights and run
 *   DynamicQuantizeLinear(x) → ConvInteger / MatMulInteger(xq, Wq, xzp, wzp) → Cast(float)
 *   → Mul(xs · ws)
 * per layer. This pass turns each such chain back into a float Conv / MatMul on x with the
 * dequantized weights (Wq − wzp) · ws, so the model calibrates like any float model; and it
 * folds DequantizeLinear of constant weights. A ConvInteger/MatMulInteger that is not part of
 * that pattern stays as it is for the onnxruntime fallback (FP32) when one is installed, else it
 * is refused with the reason, naming the node.
 */
import type { Graph, Node } from '../ir.js';
import { attrInt, consumers, isGraphOutput, producers } from '../ir.js';
import { numel, type Tensor } from '../tensor.js';
import { externalOpRunner } from '../../ops/external.js';

const INTEGER_OPS: Record<string, string> = { ConvInteger: 'Conv', MatMulInteger: 'MatMul' };

class PatternError extends Error {}

function fail(why: string): never {
  throw new PatternError(why);
}

function constInt(graph: Graph, name: string | undefined, what: string): Tensor | undefined {
  if (!name) return undefined;
  const t = graph.initializers.get(name) ?? fail(`its ${what} '${name}' is not a constant`);
  if (t.dtype !== 'int8' && t.dtype !== 'uint8') fail(`its ${what} '${name}' is ${t.dtype}, expected int8 or uint8`);
  return t;
}

/** Value k of a per-tensor (1 value) or per-channel (`channels` values) parameter. */
function perChannel(t: Tensor | undefined, channels: number, what: string, dflt: number): (c: number) => number {
  if (!t) return () => dflt;
  const n = numel(t.dims);
  if (n === 1) return () => Number(t.data[0]);
  if (n === channels) return (c) => Number(t.data[c]);
  return fail(`its ${what} has ${n} values, expected 1 or one per output channel (${channels})`);
}

/** (Wq − zp) · s with the output channel on axis 0 (Conv) or on the last axis (MatMul [K, N]). */
function dequantizeWeights(w: Tensor, zp: Tensor | undefined, s: Tensor, channelAxisLast: boolean): Tensor {
  const channels = channelAxisLast ? w.dims.at(-1)! : w.dims[0]!;
  const zpOf = perChannel(zp, channels, 'weight zero point', 0);
  const sOf = perChannel(s, channels, 'weight scale', 1);
  const inner = numel(w.dims) / channels;
  const out = new Float32Array(numel(w.dims));
  for (let i = 0; i < out.length; i++) {
    const c = channelAxisLast ? i % channels : Math.floor(i / inner);
    out[i] = (Number(w.data[i]) - zpOf(c)) * sOf(c);
  }
  return { dtype: 'float32', dims: [...w.dims], data: out };
}

function only(list: Node[] | undefined, what: string): Node {
  if (!list || list.length !== 1) fail(`${what} has ${list?.length ?? 0} consumers, expected 1`);
  return list[0]!;
}

interface Rewrite {
  replacement: Node;
  /** the integer layer, its Cast and the Mul it replaces (the last of the chain) */
  removed: [Node, Node, Node];
  /** DynamicQuantizeLinear and the scale Mul: removed once no other layer reads them */
  leftovers: Node[];
  weight: Tensor;
}

function matchChain(graph: Graph, n: Node, prod: Map<string, Node>, cons: Map<string, Node[]>): Rewrite {
  const [x, w, xzp, wzp] = n.inputs;
  const dql = prod.get(x ?? '');
  if (!dql || dql.op !== 'DynamicQuantizeLinear') fail(`its input '${x}' does not come from a DynamicQuantizeLinear`);
  if (xzp !== dql.outputs[2]) fail(`its input zero point is not the one of DynamicQuantizeLinear '${dql.name}'`);
  const wq = constInt(graph, w, 'weight')!;
  const wz = constInt(graph, wzp, 'weight zero point');
  const cast = only(cons.get(n.outputs[0]!), `its output '${n.outputs[0]}'`);
  if (cast.op !== 'Cast' || attrInt(cast, 'to', 0) !== 1) fail(`its output goes to ${cast.op} '${cast.name}', expected a Cast to float`);
  if (isGraphOutput(graph, n.outputs[0]!) || isGraphOutput(graph, cast.outputs[0]!)) fail('its integer output is a graph output');
  const mul = only(cons.get(cast.outputs[0]!), `Cast '${cast.name}'`);
  if (mul.op !== 'Mul') fail(`Cast '${cast.name}' goes to ${mul.op} '${mul.name}', expected the Mul by the scales`);
  const scaleName = mul.inputs.find((i) => i !== cast.outputs[0]);
  const scaleMul = prod.get(scaleName ?? '');
  if (!scaleMul || scaleMul.op !== 'Mul' || !scaleMul.inputs.includes(dql.outputs[1]!)) {
    fail(`the scale '${scaleName}' of Mul '${mul.name}' is not DynamicQuantizeLinear '${dql.name}''s scale times a constant`);
  }
  const wsName = scaleMul.inputs.find((i) => i !== dql.outputs[1]) ?? fail(`Mul '${scaleMul.name}' squares the input scale`);
  const ws = graph.initializers.get(wsName) ?? fail(`the weight scale '${wsName}' is not a constant`);
  const op = INTEGER_OPS[n.op]!;
  const weight = dequantizeWeights(wq, wz, ws, op === 'MatMul');
  const attrs = op === 'Conv' ? { ...n.attrs } : {};
  const replacement: Node = { name: n.name, op, domain: '', inputs: [dql.inputs[0]!, `${w}_dequantized`], outputs: [mul.outputs[0]!], attrs };
  return { replacement, removed: [n, cast, mul], leftovers: [dql, scaleMul], weight };
}

/** Folds DequantizeLinear nodes whose inputs are all constant into float initializers. */
function foldConstantDequantize(graph: Graph): number {
  let folded = 0;
  graph.nodes = graph.nodes.filter((n) => {
    if (n.op !== 'DequantizeLinear' || n.domain !== '') return true;
    const [x, s, zp] = n.inputs.map((i) => (i ? graph.initializers.get(i) : undefined));
    if (!x || !s || (n.inputs[2] && !zp)) return true;
    if (attrInt(n, 'block_size', 0) > 0) throw new Error(`node '${n.name}' (DequantizeLinear): blocked quantization (block_size) of weights is not supported`);
    const axis = numel(s.dims) === 1 ? 0 : (attrInt(n, 'axis', 1) + x.dims.length) % x.dims.length;
    const channels = numel(s.dims) === 1 ? 1 : x.dims[axis]!;
    if (numel(s.dims) !== channels) throw new Error(`node '${n.name}' (DequantizeLinear): ${numel(s.dims)} scales for ${channels} channels on axis ${axis}`);
    const inner = numel(x.dims.slice(axis + 1));
    const out = new Float32Array(numel(x.dims));
    for (let i = 0; i < out.length; i++) {
      const c = channels === 1 ? 0 : Math.floor(i / inner) % channels;
      out[i] = (Number(x.data[i]) - (zp ? Number(zp.data[c]) : 0)) * Number(s.data[c]);
    }
    graph.initializers.set(n.outputs[0]!, { dtype: 'float32', dims: [...x.dims], data: out });
    folded++;
    return false;
  });
  return folded;
}

/** Removes nodes none of whose outputs is read (the DynamicQuantizeLinear/scale Muls left over). */
function removeDead(graph: Graph, candidates: Set<Node>): void {
  let changed = true;
  while (changed) {
    changed = false;
    const cons = consumers(graph);
    const dead = graph.nodes.filter((n) => candidates.has(n) && n.outputs.every((o) => !o || (!cons.has(o) && !isGraphOutput(graph, o))));
    if (dead.length === 0) break;
    graph.nodes = graph.nodes.filter((n) => !dead.includes(n));
    changed = true;
  }
}

/** The pass; returns the number of rewritten integer layers and folded DequantizeLinear nodes. */
export function foldIntegerOps(graph: Graph): number {
  let count = foldConstantDequantize(graph);
  if (!graph.nodes.some((n) => n.op in INTEGER_OPS && n.domain === '')) return count;
  const prod = producers(graph);
  const cons = consumers(graph);
  const removed = new Set<Node>();
  const leftovers = new Set<Node>();
  const byChainEnd = new Map<Node, Node>();
  const rewritten: Node[] = [];
  for (const n of graph.nodes) {
    if (!(n.op in INTEGER_OPS) || n.domain !== '') continue;
    let r: Rewrite;
    try {
      r = matchChain(graph, n, prod, cons);
    } catch (e) {
      if (!(e instanceof PatternError)) throw e;
      if (externalOpRunner()) continue;
      throw new Error(
        `node '${n.name}' (${n.op}): only the dynamic-quantization pattern DynamicQuantizeLinear → ${n.op} (constant int8/uint8 weights) → Cast → Mul(input scale · weight scale) is imported, as a float ${INTEGER_OPS[n.op]}; here ${e.message}`,
      );
    }
    graph.initializers.set(r.replacement.inputs[1]!, r.weight);
    for (const m of r.removed) removed.add(m);
    byChainEnd.set(r.removed[2], r.replacement);
    rewritten.push(n);
    for (const m of r.leftovers) leftovers.add(m);
    count++;
  }
  // the float layer takes the place of the last node of its chain (the Mul), keeping the order topological
  graph.nodes = graph.nodes.flatMap((n) => {
    const r = byChainEnd.get(n);
    if (r) return [r];
    return removed.has(n) ? [] : [n];
  });
  removeDead(graph, leftovers);
  // weights no longer read (the int8 originals) are dropped
  const read = new Set(graph.nodes.flatMap((n) => n.inputs));
  for (const n of rewritten) for (const i of n.inputs.slice(1)) if (i && !read.has(i)) graph.initializers.delete(i);
  return count;
}
