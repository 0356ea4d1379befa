/**
 * The heavy operations the app runs off the main thread (in worker.ts). Each takes a
 * plain-JSON request and returns a plain-JSON result, so it can cross a worker boundary.
 */
import { specFromForm } from '../contract/preprocess.js';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { ProgressSink } from '../core/calib/progress.js';
import { AbsHistogram } from '../core/calib/histogram.js';
import { takeValid } from '../io/data/dataset.js';
import { OrtReference } from '../engines/ort-reference.js';
import { planQuantization } from '../core/quant/plan.js';
import type { ProfileJob } from './deploy-backend.js';
import type { HostBenchJob } from './host-bench-job.js';
import type { MixedSearchRequest } from '../pipeline/mixed-search.js';
import type { DeviceInfo, PreprocessForm, PreviewInfo } from '../contract/app-types.js';
import { writeDirAtomically } from '../io/atomic-write.js';
import { compilePrepared } from '../pipeline/compile.js';
import { prepareData, prepareModel, type ModelSource } from '../pipeline/model-setup.js';
import { tensorToPixels } from '../pipeline/preview-image.js';
import { modelGraph, modelSize, type GraphRequest, type SizeRequest } from './model-views.js';
import { inspectModel, loadScalesFor, runCalibration, runEvaluation, writeExports, type CalibrateRequest, type EvalRequest, type ExportFormat } from '../pipeline/quantize.js';

export interface DataRequest {
  model: string;
  card?: string;
  preprocess?: PreprocessForm;
  data: string;
  labels?: string;
}

const src = (r: { model: string; card?: string; preprocess?: PreprocessForm }): ModelSource => ({
  model: r.model,
  card: r.card,
  preprocess: r.preprocess ? specFromForm(r.preprocess) : undefined,
});

/** Opens a dataset the way calibration will, and checks the first image really loads. */
export async function openData(req: DataRequest): Promise<{ kind: 'images' | 'mnist'; samples: number; labelled: number }> {
  if (!fs.existsSync(req.data)) throw new Error(`data folder not found: ${req.data}`);
  if (!fs.statSync(req.data).isDirectory()) throw new Error(`not a folder: ${req.data}`);
  // data jobs never run the model: its resource budget is for calibrate/eval/compile
  const p = prepareModel(src(req), { enforceLimits: false });
  const ds = await prepareData(p, { data: req.data, labels: req.labels }, () => {});
  if (ds.samples.length === 0) throw new Error(`the folder ${req.data} has no images (.jpg, .jpeg, .png, .webp) and no MNIST idx files`);
  const first = await ds.tryLoad(0);
  if (!first.ok) throw new Error(`first image cannot be used: ${first.reason}`);
  return { kind: ds.kind, samples: ds.samples.length, labelled: ds.samples.filter((s) => s.label !== undefined).length };
}

/** The preprocessed tensor of one sample as a PNG, in the image's own colours (see preview-image.ts). */
export async function previewSample(req: DataRequest & { index: number }): Promise<PreviewInfo> {
  const p = prepareModel(src(req), { enforceLimits: false });
  const ds = await prepareData(p, { data: req.data, labels: req.labels }, () => {});
  if (req.index < 0 || req.index >= ds.samples.length) throw new Error(`sample ${req.index} is out of range (the dataset has ${ds.samples.length})`);
  const r = await ds.tryLoad(req.index);
  if (!r.ok) throw new Error(`sample ${req.index} cannot be loaded: ${r.reason}`);
  const layout = p.spec?.layout ?? 'NCHW';
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of r.data) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const img = tensorToPixels(r.data, ds.inputDims, layout, p.spec);
  const png = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels } })
    .png()
    .toBuffer();
  const c = layout === 'NHWC' ? ds.inputDims[3]! : ds.inputDims[1]!;
  const [w, h] = [img.width, img.height];
  return {
    index: req.index,
    id: ds.samples[req.index]!.id,
    label: ds.samples[req.index]!.label ?? null,
    png: `data:image/png;base64,${png.toString('base64')}`,
    width: w,
    height: h,
    channels: c,
    min,
    max,
    mean: sum / r.data.length,
  };
}

/** |x| histogram of one quantized layer's input on the calibration images. */
export async function layerHistogram(
  req: DataRequest & { layer: string; images: number; bins: number },
): Promise<{ tensor: string; max: number; counts: number[]; weights: { max: number; counts: number[] } }> {
  const p = prepareModel(src(req));
  const plan = planQuantization(p.model.graph);
  const layer = plan.layers.find((l) => l.name === req.layer);
  if (!layer) throw new Error(`layer '${req.layer}' is not a quantized layer of this model`);
  const ds = await prepareData(p, { data: req.data, labels: req.labels }, () => {});
  const { indices } = await takeValid(ds, req.images, () => {});
  const ref = await OrtReference.create(p.model.bytes, [layer.input]);
  const acts: Float32Array[] = [];
  try {
    for (const i of indices) {
      const { captures } = await ref.run((await ds.load(i))!, p.inputDims);
      acts.push(Float32Array.from(captures.get(layer.input)!.data));
    }
  } finally {
    await ref.release();
  }
  let max = 0;
  for (const a of acts) for (const v of a) max = Math.max(max, Math.abs(v));
  const h = new AbsHistogram(max, req.bins);
  for (const a of acts) h.add(a);
  let wmax = 0;
  for (const v of layer.wRows) wmax = Math.max(wmax, Math.abs(v));
  const wh = new AbsHistogram(wmax, req.bins);
  wh.add(layer.wRows);
  return { tensor: layer.input, max, counts: Array.from(h.counts), weights: { max: wmax, counts: Array.from(wh.counts) } };
}

export async function exportRun(req: {
  model: string;
  card?: string;
  preprocess?: PreprocessForm;
  scales: string;
  out: string;
  formats: (ExportFormat | 'eqm')[];
}): Promise<Record<string, string>> {
  const p = prepareModel(src(req));
  const table = loadScalesFor(p, req.scales);
  const out = path.resolve(req.out);
  let files: Record<string, string> = {};
  await writeDirAtomically(out, async (tmp) => {
    const f = await writeExports(
      tmp,
      p,
      table,
      req.formats.filter((x): x is ExportFormat => x !== 'eqm'),
    );
    if (req.formats.includes('eqm')) {
      const file = path.join(tmp, 'model.eqm');
      fs.writeFileSync(file, compilePrepared(p, table).bytes);
      f.eqm = file;
    }
    files = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, path.join(out, path.basename(v))]));
  });
  return files;
}

export type JobRequest =
  | { kind: 'inspect'; model: string; card?: string }
  | ({ kind: 'openData' } & DataRequest)
  | ({ kind: 'preview'; index: number } & DataRequest)
  | ({ kind: 'histogram'; layer: string; images: number; bins: number } & DataRequest)
  | { kind: 'calibrate'; req: CalibrateRequest }
  | { kind: 'evaluate'; req: EvalRequest }
  | { kind: 'export'; model: string; card?: string; preprocess?: PreprocessForm; scales: string; out: string; formats: (ExportFormat | 'eqm')[] }
  | { kind: 'demo'; out: string }
  | { kind: 'deployProbe'; device: DeviceInfo; home: string; secret?: string }
  | ({ kind: 'deployProfile' } & ProfileJob)
  | ({ kind: 'graph' } & GraphRequest)
  | ({ kind: 'size' } & SizeRequest)
  | ({ kind: 'hostBench' } & HostBenchJob)
  | { kind: 'mixedSearch'; req: Omit<MixedSearchRequest, 'preprocess'>; preprocess?: PreprocessForm }
  /** for the worker pool's own tests (not reachable through the app API): grow the heap until the limit, or spin */
  | { kind: 'selfTest'; allocate?: boolean; busyMs?: number };

function selfTest(job: { allocate?: boolean; busyMs?: number }): string {
  const keep: number[][] = [];
  // plain JS arrays live on the V8 heap, which is what EQ_WORKER_MAX_MB limits
  while (job.allocate) keep.push(new Array<number>(1 << 16).fill(keep.length + 0.5));
  const end = Date.now() + (job.busyMs ?? 0);
  while (Date.now() < end);
  return 'done';
}

export async function runJob(job: JobRequest, onProgress: ProgressSink, shouldStop: () => boolean, onMessage: (m: string) => void = () => {}): Promise<unknown> {
  switch (job.kind) {
    case 'inspect':
      return inspectModel({ model: job.model, card: job.card });
    case 'openData':
      return openData(job);
    case 'preview':
      return previewSample(job);
    case 'histogram':
      return layerHistogram(job);
    case 'calibrate':
      return runCalibration(job.req, onProgress, shouldStop);
    case 'evaluate': {
      const { predictions: _p, ...r } = await runEvaluation(job.req, onProgress);
      return r;
    }
    case 'export':
      return exportRun(job);
    case 'demo': {
      // the embedded demo (src-main/demo); its own defaults, so the GUI gives what `easyquant demo` gives
      const { runDemo } = await import('../demo/index.js');
      return runDemo({ out: job.out, shouldStop }, (p) => onMessage(p.message));
    }
    // the deploy module (ssh2, serialport) is only loaded by the jobs that need it
    case 'deployProbe':
      return (await import('./deploy-backend.js')).probeDevice(job.device, job.home, onMessage, job.secret);
    case 'deployProfile':
      return (await import('./deploy-backend.js')).profileDevice(job, onMessage);
    case 'selfTest':
      return selfTest(job);
    case 'graph':
      return modelGraph(job);
    case 'size':
      return modelSize(job);
    case 'hostBench':
      return (await import('./host-bench-job.js')).hostBench(job, onMessage);
    case 'mixedSearch': {
      const { runMixedSearch } = await import('../pipeline/mixed-search.js');
      // progress as JSON messages: the app forwards them as search.progress events
      return runMixedSearch({ ...job.req, preprocess: job.preprocess ? specFromForm(job.preprocess) : undefined }, (m) => onMessage(JSON.stringify(m)));
    }
  }
}
