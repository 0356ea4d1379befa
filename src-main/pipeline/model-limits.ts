/**
 * Resource budget of a model: MACs per run and the largest single activation (as float32), both
 * from shape inference. calibrate/eval/compile refuse a model over the budget before running
 * it (a Conv with huge pads otherwise runs for minutes and eats gigabytes); inspect only warns.
 */
import type { Graph } from '../core/graph/ir.js';
import { macsOf } from '../core/quant/plan.js';

export interface ModelLimits {
  /** multiply-accumulates per run, in units of 1e9 */
  maxGmacs: number;
  /** largest single activation (float32), in units of 1e9 bytes */
  maxActivationGb: number;
}

/** ResNet-50 is ~4 G MACs with a 3.2 MB largest activation: these leave room for far bigger models. */
export const DEFAULT_LIMITS: ModelLimits = { maxGmacs: 200, maxActivationGb: 2 };

const ENV = { maxGmacs: 'EQ_MAX_GMACS', maxActivationGb: 'EQ_MAX_ACTIVATION_GB' } as const;
const FLAG = { maxGmacs: '--max-gmacs', maxActivationGb: '--max-activation-gb' } as const;

function positive(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${what} must be a positive number (got '${String(v)}')`);
  return n;
}

/** The limits in force: explicit values (flags, request) over the environment over the defaults. */
export function resolveLimits(over: Partial<ModelLimits> = {}, env: NodeJS.ProcessEnv = process.env): ModelLimits {
  const r = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(DEFAULT_LIMITS) as (keyof ModelLimits)[]) {
    const e = env[ENV[k]];
    if (over[k] !== undefined) r[k] = positive(over[k], FLAG[k]);
    else if (e !== undefined) r[k] = positive(e, ENV[k]);
  }
  return r;
}

export interface Activation {
  node: string;
  tensor: string;
  dims: number[];
  /** element count x 4 (float32) */
  bytes: number;
}

export interface ModelFigures {
  macs: number;
  largest?: Activation;
}

export function modelFigures(graph: Graph): ModelFigures {
  let macs = 0;
  let largest: Activation | undefined;
  const consider = (node: string, tensor: string) => {
    const dims = graph.shapes.get(tensor);
    if (!dims || dims.some((d) => !(d > 0))) return;
    const bytes = dims.reduce((a, b) => a * b, 1) * 4;
    if (!largest || bytes > largest.bytes) largest = { node, tensor, dims, bytes };
  };
  for (const i of graph.inputs) consider(`input ${i.name}`, i.name);
  for (const n of graph.nodes) {
    macs += macsOf(graph, n);
    for (const o of n.outputs) if (o) consider(n.name, o);
  }
  return { macs, largest };
}

const fmt = (x: number) => String(Number(x.toPrecision(3)));
const gmacs = (m: number) => `${(m / 1e9).toFixed(1)} G MACs`;

export function describeActivation(a: Activation): string {
  const size = a.bytes >= 1e9 ? `${(a.bytes / 1e9).toFixed(1)} GB` : a.bytes >= 1e6 ? `${(a.bytes / 1e6).toFixed(1)} MB` : `${(a.bytes / 1e3).toFixed(1)} kB`;
  const who = a.node.startsWith('input ') ? a.node : `node '${a.node}' output`;
  return `${who} ${a.dims.join('×')} = ${size} float32`;
}

/** Why the model is over `limits` (one line, with the figures and how to raise the limit), or undefined. */
export function budgetProblem(file: string, fig: ModelFigures, limits: ModelLimits, batch = 1): string | undefined {
  const per = batch > 1 ? `per batch of ${batch}` : 'per image';
  const act = fig.largest ? describeActivation(fig.largest) : undefined;
  const overMacs = fig.macs > limits.maxGmacs * 1e9;
  const overAct = fig.largest !== undefined && fig.largest.bytes > limits.maxActivationGb * 1e9;
  if (overMacs) {
    const also = overAct ? `; it also exceeds the activation limit of ${fmt(limits.maxActivationGb)} GB (${FLAG.maxActivationGb} N or ${ENV.maxActivationGb})` : '';
    return `${file}: ${gmacs(fig.macs)} ${per} exceeds the limit of ${fmt(limits.maxGmacs)} G (largest activation: ${act ?? 'unknown'}); raise it with ${FLAG.maxGmacs} N or ${ENV.maxGmacs}${also}`;
  }
  if (overAct) {
    return `${file}: the largest activation, ${act}, exceeds the limit of ${fmt(limits.maxActivationGb)} GB (${gmacs(fig.macs)} ${per}); raise it with ${FLAG.maxActivationGb} N or ${ENV.maxActivationGb}`;
  }
  return undefined;
}

export class ModelBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelBudgetError';
  }
}
