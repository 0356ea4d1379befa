/**
 * LAPQ (Nahshan et al., "Loss aware post-training quantization"): the activation scales of all
 * quantized tensors (and optionally one weight-scale multiplier per layer) are optimised jointly
 * on the network's output loss against FP32, with Powell's method, from a per-layer start.
 *
 * Parameters are log multipliers of the start table's scales. Tensors that share one scale
 * through pooling/concat/reshape share one parameter, so the table stays consistent (int8 data
 * movement keeps its scale).
 */
import type { Graph } from '../graph/ir.js';
import { RANGE_PRESERVING } from '../quant/assign-scales.js';
import type { ScaleTable } from '../quant/scale-table.js';

export type LapqLoss = 'kl' | 'mse';

export interface LapqParams {
  /** activation classes: tensors sharing a scale in the start table */
  classes: string[][];
  /** layers with a weight multiplier (empty without weight multipliers) */
  weightLayers: string[];
  /** number of parameters: classes.length + weightLayers.length */
  size: number;
}

/**
 * Parameters of a start table. Classes are the tensors tied by a range-preserving op
 * (MaxPool, Relu, Concat, Reshape, …) with the same scale on both sides: the propagation of
 * assign-scales.ts gave them one scale, so they keep one. Equal scales without such a link
 * (e.g. every ReLU6 output under MinMax) stay separate parameters.
 */
export function lapqParams(start: ScaleTable, weights: boolean, graph: Pick<Graph, 'nodes'>): LapqParams {
  const names = Object.keys(start.tensors);
  const parent = new Map(names.map((t) => [t, t]));
  const find = (t: string): string => {
    let r = t;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(t, r);
    return r;
  };
  for (const n of graph.nodes) {
    if (n.act || !RANGE_PRESERVING.has(n.op)) continue;
    const out = n.outputs[0]!;
    const data = n.op === 'Reshape' || n.op === 'Squeeze' || n.op === 'Unsqueeze' ? [n.inputs[0]!] : n.inputs;
    for (const x of data) {
      if (x in start.tensors && out in start.tensors && start.tensors[x] === start.tensors[out]) parent.set(find(x), find(out));
    }
  }
  const byRoot = new Map<string, string[]>();
  for (const t of names) {
    const r = find(t);
    const c = byRoot.get(r);
    if (c) c.push(t);
    else byRoot.set(r, [t]);
  }
  const classes = [...byRoot.values()];
  const weightLayers = weights ? start.layers.map((l) => l.name) : [];
  return { classes, weightLayers, size: classes.length + weightLayers.length };
}

/**
 * Bound of a multiplier (and its inverse): Powell's line search doubles its step while the loss
 * falls, and a loss that keeps falling slowly as a tensor is squeezed to 0 would otherwise
 * overflow its scale to Infinity. Beyond the bound the loss is flat, so the search stops there.
 */
export const LAPQ_MAX_MULTIPLIER = 1e6;
const MAX_LOG = Math.log(LAPQ_MAX_MULTIPLIER);
const multiplier = (v: number) => Math.exp(Math.min(MAX_LOG, Math.max(-MAX_LOG, v)));

/** The start table with its scales multiplied by exp(x) (x: one entry per parameter), each multiplier within 1e±6. */
export function applyLapq(start: ScaleTable, p: LapqParams, x: ArrayLike<number>): ScaleTable {
  if (x.length !== p.size) throw new Error(`LAPQ: ${x.length} parameters given, the table has ${p.size}`);
  const tensors = { ...start.tensors };
  p.classes.forEach((c, i) => {
    const m = multiplier(x[i]!);
    for (const t of c) tensors[t] = Math.fround(start.tensors[t]! * m);
  });
  const wMul = new Map(p.weightLayers.map((l, i) => [l, multiplier(x[p.classes.length + i]!)]));
  const layers = start.layers.map((l) => {
    const m = wMul.get(l.name);
    const inputScale = tensors[l.input] ?? l.inputScale;
    return { ...l, inputScale, weightScales: m === undefined ? l.weightScales : l.weightScales.map((w) => Math.fround(w * m)), cosine: undefined };
  });
  return { ...start, tensors, layers };
}

/** The loss setting's default: KL of softmax for a single [N, C] output (a classifier), MSE otherwise. */
export function defaultLapqLoss(outputDims: number[][]): LapqLoss {
  if (outputDims.length !== 1) return 'mse';
  const d = outputDims[0]!.filter((v, i) => i === 0 || v !== 1);
  return d.length === 2 && d[1]! > 1 ? 'kl' : 'mse';
}

function centredLog(p: Float32Array): Float64Array {
  const l = new Float64Array(p.length);
  let m = 0;
  for (let i = 0; i < p.length; i++) m += l[i] = Math.log(Math.max(p[i]!, 1e-30));
  m /= p.length;
  for (let i = 0; i < p.length; i++) l[i]! -= m;
  return l;
}

function softmax(z: Float32Array): Float64Array {
  let m = -Infinity;
  for (const v of z) m = Math.max(m, v);
  const p = new Float64Array(z.length);
  let s = 0;
  for (let i = 0; i < z.length; i++) s += p[i] = Math.exp(z[i]! - m);
  for (let i = 0; i < z.length; i++) p[i]! /= s;
  return p;
}

/**
 * Loss of one image's quantized outputs against FP32. kl: KL(softmax(ref) || softmax(q)) of
 * the first output (the outputs themselves when they already are `probabilities`); mse: mean squared error of every output, each divided by its FP32 mean
 * square (outputs of different ranges weigh alike); probabilities are compared as logits.
 */
export function lapqImageLoss(kind: LapqLoss, ref: Float32Array[], q: Float32Array[], probabilities = false): number {
  if (kind === 'kl') {
    const p = probabilities ? Float64Array.from(ref[0]!) : softmax(ref[0]!);
    const lq = probabilities ? Float64Array.from(q[0]!) : softmax(q[0]!);
    let kl = 0;
    for (let i = 0; i < p.length; i++) if (p[i]! > 0) kl += p[i]! * (Math.log(p[i]!) - Math.log(Math.max(lq[i]!, 1e-30)));
    return Math.max(kl, 0);
  }
  let total = 0;
  ref.forEach((r0, k) => {
    // probabilities: their centred logs are the centred logits (log softmax = z - logsumexp z)
    const r = probabilities && k === 0 ? centredLog(r0) : r0;
    const o = probabilities && k === 0 ? centredLog(q[k]!) : q[k]!;
    let se = 0;
    let ss = 0;
    for (let i = 0; i < r.length; i++) {
      se += (r[i]! - o[i]!) ** 2;
      ss += r[i]! ** 2;
    }
    total += se / Math.max(ss, 1e-30);
  });
  return total / ref.length;
}
