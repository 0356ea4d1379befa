/**
 * The quantization service: the typed operations the CLI (and later the Electron IPC and the
 * web-mode server) call. Pure Node: no Electron imports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { calibrate } from './calib/calibrate.js';
import type { ProgressSink } from '../core/calib/progress.js';
import { type CalibSettingsInput, parseCalibSettings } from '../contract/calib-settings.js';
import { takeValid, type Dataset } from '../io/data/dataset.js';
import type { ExtraInput } from '../core/calib/capture-types.js';
import type { PreprocessSpec } from '../io/data/preprocess.js';
import type { EngineKind } from '../core/engine/types.js';
import { evaluate, type EvalResult } from './evaluate.js';
import { writeNcnnTableForParam } from '../core/export/ncnn-param.js';
import { writeNcnnTable } from '../core/export/ncnn-table.js';
import { exportQdqOnnx } from '../core/export/qdq-onnx.js';
import { checkModelMatches, readScalesJson, writeScalesJson } from '../io/scales-json.js';

export { readScalesJson };
import { writeTrtCache } from '../core/export/trt-cache.js';
import type { LayerPrecisionMap } from '../core/quant/layer-precision.js';
import { planQuantization, type NodeReport } from '../core/quant/plan.js';
import type { ScaleTable } from '../core/quant/scale-table.js';
import { writeDirAtomically, writeFileAtomically } from '../io/atomic-write.js';
import { synthModelWithInfo, type SynthArch } from '../core/synth/index.js';
import { skipSamples } from './dataset-view.js';
import type { Activation } from './model-limits.js';
import { prepareData, prepareModel, type DataSource, type ModelSource, type Prepared } from './model-setup.js';

export const EXPORT_FILES = {
  scales: 'scales.json',
  ncnn: 'ncnn.table',
  trt: 'trt_calibration.cache',
  qdq: 'model_qdq.onnx',
} as const;
export type ExportFormat = keyof typeof EXPORT_FILES;

export interface InspectResult {
  file: string;
  sha256: string;
  opset: number;
  inputs: { name: string; dims: number[] }[];
  outputs: { name: string; dims: number[] }[];
  ops: Record<string, number>;
  macs: number;
  params: number;
  quantizedLayers: number;
  passes: Record<string, number>;
  layers: NodeReport[];
  /** the card's preprocessing (absent without a card) */
  preprocess?: PreprocessSpec;
  /** the largest single activation, as float32 (what the activation budget is checked on) */
  largestActivation?: Activation;
  /** e.g. over the resource budget: calibrate/eval/compile would refuse this model */
  warnings: string[];
}

export function inspectModel(src: ModelSource): InspectResult {
  const p = prepareModel(src, { enforceLimits: false });
  const g = p.model.graph;
  const plan = planQuantization(g);
  const ops: Record<string, number> = {};
  for (const n of g.nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
  // parameters the graph actually reads (folding leaves the original BN/bias tensors unused)
  const used = new Set(g.nodes.flatMap((n) => n.inputs));
  let params = 0;
  for (const [name, t] of g.initializers) if (t.dtype === 'float32' && used.has(name)) params += t.data.length;
  return {
    file: src.model,
    sha256: p.model.sha256,
    opset: g.opset,
    inputs: g.inputs.map((i) => ({ name: i.name, dims: i.dims })),
    outputs: g.outputs.map((o) => ({ name: o.name, dims: o.dims })),
    ops,
    macs: plan.report.reduce((a, r) => a + r.macs, 0),
    params,
    quantizedLayers: plan.layers.length,
    passes: p.model.passes,
    layers: plan.report,
    preprocess: p.spec,
    largestActivation: p.figures?.largest,
    warnings: p.budgetWarning ? [`calibrate, eval and compile will refuse this model: ${p.budgetWarning}`] : [],
  };
}

export interface CalibrateRequest extends ModelSource, DataSource {
  settings: CalibSettingsInput;
  calibImages: number;
  out: string;
  formats?: ExportFormat[];
  /** per-layer FP32 / INT8 / INT7 (layers not named use settings.bits) */
  layerPrecision?: LayerPrecisionMap;
}

export interface CalibrateResponse {
  out: string;
  files: Record<string, string>;
  method: string;
  bits: number;
  seconds: number;
  images: number;
  groups: { name: string; cosBefore?: number; cosAfter?: number }[];
  warnings: string[];
}

/** How to name the ncnn table: after the user's own ncnn model (.param) instead of our ONNX node names. */
export interface NcnnExportOptions {
  /** the user's ncnn .param file; layers are matched by weight geometry */
  param?: string;
  /** ncnn's 6-bit weight scales (31/T) for 3x3 stride-1 convolutions (its int8 Winograd needs them) */
  sixBit?: boolean;
}

function ncnnTableText(p: Prepared, table: ScaleTable, o: NcnnExportOptions, warn: (m: string) => void): string {
  if (!o.param) {
    if (o.sixBit) throw new Error('--ncnn-6bit needs --ncnn-param (which layers ncnn runs with Winograd depends on its model)');
    return writeNcnnTable(table);
  }
  let text: string;
  try {
    text = fs.readFileSync(o.param, 'utf8');
  } catch (e) {
    throw new Error(`${path.resolve(o.param)}: cannot read the ncnn .param (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const r = writeNcnnTableForParam(p.model.graph, table, text, path.resolve(o.param), { sixBit: o.sixBit });
  for (const w of r.warnings) warn(w);
  return r.text;
}

export async function writeExports(
  dir: string,
  p: Prepared,
  table: ScaleTable,
  formats: ExportFormat[],
  ncnn: NcnnExportOptions = {},
  warn: (m: string) => void = (m) => process.stderr.write(`warning: ${m}\n`),
): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const scalesOnly = formats.filter((f) => f === 'ncnn' || f === 'trt');
  if (scalesOnly.length > 0 && table.layers.some((l) => l.biasDelta)) {
    warn(
      `${scalesOnly.map((f) => EXPORT_FILES[f]).join(' and ')} carry scales only: a runtime reading them keeps the model's uncorrected biases (the bias correction is in scales.json, the QDQ model and the EQM)`,
    );
  }
  if (scalesOnly.length > 0 && table.layers.some((l) => l.weightRoundFlip)) {
    warn(
      `${scalesOnly.map((f) => EXPORT_FILES[f]).join(' and ')} carry scales only: a runtime reading them rounds the weights to nearest, not with the optimised rounding (which is in scales.json, the QDQ model and the EQM)`,
    );
  }
  if (scalesOnly.length > 0 && table.unsignedActivations) {
    warn(
      `${scalesOnly.map((f) => EXPORT_FILES[f]).join(' and ')} have no zero points: a runtime reading them quantizes every activation on the symmetric grid (the unsigned activations are in scales.json, the QDQ model and the EQM)`,
    );
  }
  for (const f of formats) {
    const file = path.join(dir, EXPORT_FILES[f]);
    if (f === 'scales') fs.writeFileSync(file, writeScalesJson(table));
    else if (f === 'ncnn') fs.writeFileSync(file, ncnnTableText(p, table, ncnn, warn));
    else if (f === 'trt') fs.writeFileSync(file, writeTrtCache(table));
    else if (f === 'qdq') fs.writeFileSync(file, exportQdqOnnx(p.model.graph, table));
    files[f] = file;
  }
  return files;
}

/** The first input's tensors of the samples, and (multi-input models) every other input's. */
async function calibrationSamples(p: Prepared, ds: Dataset, indices: number[]): Promise<{ samples: Float32Array[]; extraInputs: ExtraInput[] }> {
  const inputs = p.model.graph.inputs;
  const samples: Float32Array[] = [];
  const extraInputs: ExtraInput[] = inputs.slice(1).map((i) => ({ name: i.name, dims: i.dims, samples: [] }));
  for (const i of indices) {
    if (inputs.length === 1) {
      samples.push((await ds.load(i))!);
      continue;
    }
    const all = await ds.tensors!.loadInputs(i);
    samples.push(all[0]!);
    extraInputs.forEach((x, k) => x.samples.push(all[k + 1]!));
  }
  return { samples, extraInputs };
}

export async function runCalibration(req: CalibrateRequest, onProgress?: ProgressSink, shouldStop?: () => boolean): Promise<CalibrateResponse> {
  const settings = parseCalibSettings(req.settings);
  if (!Number.isInteger(req.calibImages) || req.calibImages < 1) throw new Error(`--calib must be an integer >= 1 (got ${req.calibImages})`);
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    process.stderr.write(`warning: ${m}\n`);
  };
  const p = prepareModel(req);
  const ds = await prepareData(p, req, warn);
  const { indices } = await takeValid(ds, req.calibImages, warn);
  if (indices.length === 0) throw new Error(`${req.data}: no readable calibration images`);
  if (indices.length < req.calibImages) warn(`only ${indices.length} readable images for calibration (asked for ${req.calibImages})`);
  const { samples, extraInputs } = await calibrationSamples(p, ds, indices);
  const res = await calibrate(p.model, samples, p.inputDims, settings, { onProgress, shouldStop, warn, layerPrecision: req.layerPrecision, extraInputs });
  let files: Record<string, string> = {};
  const out = path.resolve(req.out);
  await writeDirAtomically(out, async (tmp) => {
    const f = await writeExports(tmp, p, res.table, req.formats ?? ['scales', 'ncnn', 'trt', 'qdq']);
    files = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, path.join(out, path.basename(v))]));
  });
  return { out, files, method: settings.method, bits: settings.bits, seconds: res.seconds, images: samples.length, groups: res.groups, warnings };
}

export interface EvalRequest extends ModelSource, DataSource {
  scales?: string;
  engine: EngineKind;
  layerCosines?: boolean;
  heldOutFrom?: number;
  /** leave out the first `skip` images (the calibration images): `limit` then counts from there */
  skip?: number;
  /** per-image predictions in the result (`per_image`, indices counted from the dataset's start) */
  perImage?: boolean;
}

export function loadScalesFor(p: Prepared, file: string): ScaleTable {
  const table = readScalesJson(file);
  checkModelMatches(table, p.model.sha256, p.model.file);
  return table;
}

export async function runEvaluation(req: EvalRequest, onProgress?: ProgressSink): Promise<EvalResult & { warnings: string[] }> {
  const warnings: string[] = [];
  const p = prepareModel(req);
  const table = req.scales ? loadScalesFor(p, req.scales) : undefined;
  if (req.engine !== 'fp32' && !table) throw new Error(`--engine ${req.engine} needs --scales`);
  const skip = req.skip ?? 0;
  const all = await prepareData(p, { ...req, limit: req.limit !== undefined ? req.limit + skip : undefined }, (m) => {
    warnings.push(m);
    process.stderr.write(`warning: ${m}\n`);
  });
  const ds = skip > 0 ? skipSamples(all, skip) : all;
  if (ds.samples.length === 0) throw new Error(`${req.data}: no images left to evaluate (the dataset has ${all.samples.length}; the first ${skip} are calibration images)`);
  // top-1 agreement only for classifiers; detection cards also get their boxes compared
  const out = p.card?.output;
  const classification = out?.kind === 'logits' || out?.kind === 'softmax' || all.labelsSource != null;
  const detection = out?.kind === 'detection' && /detection/i.test(p.card!.task) ? out : undefined;
  const r = await evaluate(p.model, ds, {
    engine: req.engine,
    classification,
    detection,
    table,
    outputIndex: p.outputIndex,
    labelOffset: p.labelOffset,
    layerCosines: req.layerCosines,
    heldOutFrom: req.heldOutFrom,
    onProgress,
    perImage: req.perImage,
  });
  if (r.per_image && skip > 0) for (const p of r.per_image) p.index += skip;
  return { ...r, warnings };
}

export interface ExportRequest extends ModelSource {
  scales: string;
  out: string;
  formats: ExportFormat[];
  ncnn?: NcnnExportOptions;
}

export async function runExport(req: ExportRequest): Promise<Record<string, string>> {
  const p = prepareModel(req);
  const table = loadScalesFor(p, req.scales);
  const out = path.resolve(req.out);
  let files: Record<string, string> = {};
  await writeDirAtomically(out, async (tmp) => {
    const f = await writeExports(tmp, p, table, req.formats, req.ncnn);
    files = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, path.join(out, path.basename(v))]));
  });
  return files;
}

export interface SynthRequest {
  arch: SynthArch;
  size: number;
  seed: number;
  out: string;
}

/** Writes a generated benchmark network (random weights) as ONNX. */
export function runSynth(req: SynthRequest): { out: string; bytes: number } & Record<string, unknown> {
  const { bytes, info } = synthModelWithInfo({ arch: req.arch, size: req.size, seed: req.seed });
  writeFileAtomically(req.out, bytes);
  return { out: req.out, bytes: bytes.length, ...info };
}
