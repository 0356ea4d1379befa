/**
 * Elementwise activation chains that run as one int8 → int8 table (the qlut op): a single
 * HardSwish / HardSigmoid / Sigmoid / Tanh / LeakyRelu, or a decomposed one such as
 * x·Clip(x+3, 0, 6)/6 (HardSwish), x·Sigmoid(x) (SiLU) or Max(LeakyRelu(x), c). A chain reads one tensor x, has
 * one exit tensor and only scalar constants; its nodes run through the FP32 kernels on the
 * 256 dequantized codes, so the table is exactly the float chain, quantized:
 *   lut[q + 128] = clip(rne(f32(chain(f32(q * f32(1 / S_in))) * S_out)), -qmax, qmax)
 */
import { consumers, isGraphOutput, type Graph, type Node } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import { findOp } from '../ops/registry.js';
import { rne } from '../quant/rounding.js';

const f32 = Math.fround;
const UNARY = new Set(['HardSwish', 'HardSigmoid', 'Sigmoid', 'Tanh', 'LeakyRelu', 'Clip', 'Relu']);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min']);
/** a chain of only these is left to the existing int8 ops (qrelu, a fused clamp) */
const TRIVIAL = new Set(['Relu', 'Clip']);
const MAX_CHAIN = 8;

export interface LutChain {
  input: string;
  output: string;
  /** in graph order */
  nodes: Node[];
}

const isScalarConst = (g: Graph, t: string) => {
  const c = g.initializers.get(t);
  return !!c && c.dtype === 'float32' && c.data.length === 1;
};

/** The longest activation chain fed by x alone, or undefined. */
export function matchLutChain(graph: Graph, cons: Map<string, Node[]>, x: string): LutChain | undefined {
  const inside = new Set([x]);
  const nodes: Node[] = [];
  const order = new Map(graph.nodes.map((n, i) => [n, i]));
  for (let grew = true; grew && nodes.length < MAX_CHAIN;) {
    grew = false;
    for (const t of [...inside]) {
      for (const n of cons.get(t) ?? []) {
        if (nodes.includes(n) || n.outputs.length !== 1 || !n.outputs[0]) continue;
        if (!UNARY.has(n.op) && !BINARY.has(n.op)) continue;
        const data = n.inputs.filter((i) => i && !graph.initializers.has(i));
        const consts = n.inputs.filter((i) => i && graph.initializers.has(i));
        if (data.length === 0 || !data.every((i) => inside.has(i)) || !consts.every((i) => isScalarConst(graph, i))) continue;
        if (UNARY.has(n.op) && data.length !== 1) continue;
        nodes.push(n);
        inside.add(n.outputs[0]);
        grew = true;
      }
    }
  }
  if (nodes.length === 0 || nodes.every((n) => TRIVIAL.has(n.op) && !n.act)) return undefined;
  // exactly one tensor leaves the chain; x and every other tensor stay inside
  const exits = [...inside].filter((t) => t !== x && (isGraphOutput(graph, t) || (cons.get(t) ?? []).some((n) => !nodes.includes(n))));
  if (exits.length !== 1) return undefined;
  const output = exits[0]!;
  if ((cons.get(x) ?? []).some((n) => !nodes.includes(n))) return undefined;
  const dx = graph.shapes.get(x);
  const dy = graph.shapes.get(output);
  if (!dx || !dy || dx.length !== dy.length || dx.some((v, i) => v !== dy[i])) return undefined;
  nodes.sort((a, b) => order.get(a)! - order.get(b)!);
  return { input: x, output, nodes };
}

/** The chain in float32 over the given inputs (the FP32 kernels, fused activations included). */
export function evalLutChain(graph: Graph, chain: LutChain, xs: Float32Array): Float32Array {
  const vals = new Map<string, Tensor>([[chain.input, { dtype: 'float32', dims: [xs.length], data: xs }]]);
  for (const n of chain.nodes) {
    const def = findOp(n.op, n.domain, graph.opset);
    if (!def) throw new Error(`lut chain: node '${n.name}' (${n.op}) has no FP32 kernel`);
    const ins = n.inputs.map((i) => (i ? (vals.get(i) ?? graph.initializers.get(i)) : undefined));
    const y = def.run(n, ins, { opset: graph.opset })[0]!;
    const data = Float32Array.from(y.data as Float32Array);
    if (n.act) {
      const lo = n.act.kind === 'relu' ? 0 : n.act.min;
      const hi = n.act.kind === 'relu' ? Infinity : n.act.max;
      for (let i = 0; i < data.length; i++) data[i] = Math.min(hi, Math.max(lo, data[i]!));
    }
    vals.set(n.outputs[0]!, { dtype: 'float32', dims: [data.length], data });
  }
  return vals.get(chain.output)!.data as Float32Array;
}

/** The 256-entry table of the chain between two int8 scales. */
export function lutTable(graph: Graph, chain: LutChain, inScale: number, outScale: number, qmax: number): Int8Array {
  const inv = f32(1 / inScale);
  const xs = new Float32Array(256);
  for (let k = 0; k < 256; k++) xs[k] = f32((k - 128) * inv);
  const ys = evalLutChain(graph, chain, xs);
  const lut = new Int8Array(256);
  for (let k = 0; k < 256; k++) {
    const v = rne(f32(ys[k]! * outScale));
    lut[k] = Number.isNaN(v) ? 0 : Math.max(-qmax, Math.min(qmax, v));
  }
  return lut;
}

/**
 * An input scale for a chain whose input has none (a layer output feeding only the chain):
 * the smallest symmetric range beyond which the quantized output no longer changes, or
 * undefined when the chain does not saturate within a wide range.
 */
export function lutInputScale(graph: Graph, chain: LutChain, outScale: number, qmax: number): number | undefined {
  const span = 16 * (qmax / outScale) + 16;
  const n = 8192;
  const xs = new Float32Array(2 * n + 1);
  for (let i = 0; i <= 2 * n; i++) xs[i] = f32(((i - n) / n) * span);
  const ys = evalLutChain(graph, chain, xs);
  const q = (i: number) => Math.max(-qmax, Math.min(qmax, rne(ys[i]! * outScale)));
  let hi = 2 * n;
  while (hi > n && q(hi - 1) === q(2 * n)) hi--;
  let lo = 0;
  while (lo < n && q(lo + 1) === q(0)) lo++;
  if (hi === 2 * n || lo === 0) return undefined;
  const range = Math.max(Math.abs(xs[hi]!), Math.abs(xs[lo]!));
  return range > 0 ? f32(qmax / range) : undefined;
}

/** Chains by their first node, for the lowering (engine/lower.ts). */
export function findLutChains(graph: Graph): Map<Node, LutChain> {
  const cons = consumers(graph);
  const out = new Map<Node, LutChain>();
  const taken = new Set<Node>();
  for (const n of graph.nodes) {
    const x = n.outputs[0];
    if (!x) continue;
    const c = matchLutChain(graph, cons, x);
    if (!c || c.nodes.some((m) => taken.has(m))) continue;
    for (const m of c.nodes) taken.add(m);
    out.set(c.nodes[0]!, c);
  }
  return out;
}
