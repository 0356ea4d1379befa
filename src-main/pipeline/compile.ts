/**
 * The one compile chain: a model (+ card) and its scales.json → EQM bytes for the native runtime
 * and boards, with what deploy and the reports need (input quantization, the ops kept in FP32).
 * `easyquant compile`, the app's EQM export, deploy and the host benchmark all go through here.
 */
import { compileEqmModel } from '../core/eqm/write-eqm.js';
import { planQuantization, type QuantPlan } from '../core/quant/plan.js';
import type { ScaleTable } from '../core/quant/scale-table.js';
import { writeFileAtomically } from '../io/atomic-write.js';
import { prepareModel, type ModelSource, type PrepareOptions, type Prepared } from './model-setup.js';
import { loadScalesFor } from './quantize.js';

export interface CompiledModel {
  bytes: Uint8Array;
  /** scale and qmax of the quantize op(s) reading the input (null: the input is read in float) */
  inputQuant: { scale: number; qmax: number } | null;
  table: ScaleTable;
  plan: QuantPlan;
  /** op types the native runtime runs in float */
  fp32Ops: string[];
}

/** Compiles an already prepared model with its (checked) scale table. */
export function compilePrepared(p: Prepared, table: ScaleTable): CompiledModel {
  const plan = planQuantization(p.model.graph);
  const c = compileEqmModel(p.model.graph, plan, table);
  // what the program keeps in float, not the plan's unquantized nodes (int8 pools, adds and
  // activation tables are not FP32 ops)
  return { bytes: c.bytes, inputQuant: c.inputQuant, table, plan, fp32Ops: c.floatOps };
}

/**
 * Every layer in float: the FP32 reference on the native runtime or a board (a board's FP32
 * per-layer profile is what lets a mixed-precision search price FP32 layers).
 */
export function compileFloatPrepared(p: Prepared): CompiledModel {
  const plan: QuantPlan = { layers: [], groups: [], report: planQuantization(p.model.graph).report };
  const table: ScaleTable = {
    bits: 8,
    qmax: 127,
    method: 'minmax',
    modelSha256: p.model.sha256,
    modelFile: p.model.file,
    layers: [],
    tensors: {},
    settings: {},
    createdAt: new Date(0).toISOString(),
  };
  const c = compileEqmModel(p.model.graph, plan, table);
  return { bytes: c.bytes, inputQuant: c.inputQuant, table, plan, fp32Ops: c.floatOps };
}

/** Loads the model, checks the scale table belongs to it, and compiles. */
export function compileFromFiles(src: ModelSource & { scales: string }, opts: PrepareOptions = {}): CompiledModel & { prepared: Prepared } {
  const prepared = prepareModel(src, opts);
  return { ...compilePrepared(prepared, loadScalesFor(prepared, src.scales)), prepared };
}

export interface CompileRequest extends ModelSource {
  /** scales.json of the quantized model; absent with `fp32` */
  scales?: string;
  /** every layer in float (exactly one of scales / fp32) */
  fp32?: boolean;
  out: string;
}

export interface CompileResponse {
  out: string;
  bytes: number;
  bits: number;
  layers: number;
  fp32Ops: string[];
}

/** `easyquant compile`: writes the EQM atomically (nothing is written when the model cannot run natively). */
export function runCompile(req: CompileRequest): CompileResponse {
  if ((req.scales === undefined) === !req.fp32) throw new Error('compile needs exactly one of --scales <scales.json> (quantized) and --fp32 (every layer in float)');
  const c = req.fp32 ? compileFloatPrepared(prepareModel(req)) : compileFromFiles({ ...req, scales: req.scales! });
  writeFileAtomically(req.out, c.bytes);
  return { out: req.out, bytes: c.bytes.length, bits: req.fp32 ? 32 : c.table.bits, layers: c.plan.layers.length, fp32Ops: c.fp32Ops };
}
