/**
 * The one typed service API of the app: projects, models, datasets, calibration runs,
 * results, exports, devices and profiling. The Electron IPC bridge and the web-mode server
 * both adapt this class (through app-dispatch.ts); heavy work runs in worker threads, so the
 * calling thread stays responsive, and progress goes out as events.
 */
import { specFromForm } from '../contract/preprocess.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runLabel, ProjectStore } from '../store/project-store.js';
import { deployHome } from '../store/deploy-home.js';
import type { DeviceResultInfo } from '../store/device-results-table.js';
import type { LayerPrecisionMap } from '../contract/app-types.js';
import { CalibrationRunner } from './calibration.js';
import type { ProfileJobResult } from './deploy-backend.js';
import { deployAvailability } from './deploy-bridge.js';
import { Runtime } from '../engines/native/native-runtime.js';
import { EngineBuilder } from './engine.js';
import { deviceResultsOf } from './device-results.js';
import { AppEvents } from './events.js';
import { checkReachable } from './reachability.js';
import type {
  AppInfo,
  CalibSettingsForm,
  DatasetInfo,
  DeviceConfig,
  DeviceInfo,
  EngineStatus,
  EvalEngineName,
  EvalResultInfo,
  ExportFormatName,
  ExportInfo,
  GraphInfo,
  HistogramInfo,
  ImageReviewInfo,
  ModelSizeInfo,
  ModelSummary,
  PreprocessForm,
  PreviewInfo,
  ProfileInfo,
  ProjectInputs,
  ProjectSummary,
  RunInfo,
} from '../contract/app-types.js';
import { parseCalibRunSettings } from '../contract/calib-settings.js';
import { ProfileResultSchema, describeIssues } from '../contract/bench-report.js';
import { startJob } from './worker-pool.js';
import { readScalesJson } from '../io/scales-json.js';
import type { InspectResult } from '../pipeline/quantize.js';
import type { PreprocessSpec } from '../io/data/preprocess.js';
import type { EvalResult } from '../pipeline/evaluate.js';
import type { DemoResult } from '../demo/index.js';
import { readDemoResult, readDemoSamples } from './demo.js';
import { imageReview, ReviewError } from './image-review.js';
import { evalSummary, outputErrors } from './job-summary.js';
import { layerScales } from './layer-scales.js';
import type { SizeResult } from './model-views.js';

/** The ARM board the size card assumes: a quad-core Cortex-A (the runtime's pool uses every core). */
const BOARD_THREADS = 4;

/**
 * Encrypts and decrypts a board's passphrase or password (Electron safeStorage in the desktop
 * app, see electron/secret-box.ts). Absent in web mode: secrets are refused. `encrypt` may
 * throw to refuse (e.g. a keychain that only obfuscates, not accepted by the user): its
 * message is shown as is.
 */
export interface SecretBox {
  encrypt(plain: string): Buffer;
  decrypt(enc: Buffer): string;
}

export interface AppServiceOptions {
  dataRoot: string;
  mode: 'desktop' | 'web';
  version?: string;
  secrets?: SecretBox;
}

export interface ProjectDetail {
  demo: DemoResult | null;
  demoSamples: string[];
  project: ProjectSummary;
  dataset: DatasetInfo | null;
  runs: RunInfo[];
  results: EvalResultInfo[];
  exports: ExportInfo[];
  profiles: ProfileInfo[];
}

import { UserError } from './user-error.js';
import { listFolder } from './file-browser.js';
import { fileRoots } from './file-roots.js';
import { Uploads } from './uploads.js';
import { exportDownload, runDownload } from './downloads.js';
import { runHostBench, type HostBenchParams } from './host-bench.js';
import { runPrecisionSearch, type PrecisionSearchParams } from './precision-search.js';
import type { MixedSearchInfo } from '../contract/app-types.js';
import type { FileListing, HostBenchInfo } from '../contract/app-types.js';
import type { ZipSource } from './zip-folder.js';

export { UserError };

export class AppService {
  readonly events = new AppEvents();
  readonly store: ProjectStore;
  private readonly calib: CalibrationRunner;
  private readonly inspectCache = new Map<string, ModelSummary>();
  /** laid-out graphs by model file, card, mtime and folding (a layout of a 300-node graph takes seconds) */
  private readonly graphCache = new Map<string, GraphInfo>();
  private readonly engine: EngineBuilder;
  /** web-mode uploads into <data>/uploads */
  readonly uploads: Uploads;

  constructor(private readonly opts: AppServiceOptions) {
    this.store = new ProjectStore(opts.dataRoot);
    this.uploads = new Uploads(opts.dataRoot);
    this.calib = new CalibrationRunner(this.store, this.events, (id) => this.inputsOf(id));
    this.engine = new EngineBuilder(this.events);
  }

  async close(): Promise<void> {
    await this.calib.shutdown();
    this.store.close();
  }

  /** Resolves when no calibration is running (tests). */
  idle(): Promise<void> {
    return this.calib.idle();
  }

  // ------------------------------------------------------------------ app

  async info(): Promise<AppInfo> {
    const deploy = await deployAvailability();
    return {
      version: this.opts.version ?? '0.0.0',
      mode: this.opts.mode,
      deployAvailable: deploy.available,
      deployNote: deploy.note,
      demoAvailable: false,
      secretsAllowed: !!this.opts.secrets,
    };
  }

  engineStatus(): EngineStatus {
    return this.engine.status();
  }

  /** Builds the native engine in a child process; the outcome arrives as an `engine.build` event. */
  buildEngine(): EngineStatus {
    try {
      return this.engine.start();
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  }

  /** Resolves when no native build is running (tests). */
  engineIdle(): Promise<void> {
    return this.engine.idle();
  }

  // ------------------------------------------------------------------ projects and models

  listProjects(): ProjectSummary[] {
    return this.store.listProjects();
  }

  /** Creates a project from an ONNX model (checked by loading and planning it in a worker). */
  async createProject(name: string, model: string, card?: string): Promise<ProjectSummary> {
    const m = await this.checkModel(model, card);
    const p = this.store.createProject(name);
    return this.store.setProjectModel(p.id, m.modelPath, m.cardPath, m.sha256);
  }

  /** Replaces the model (and card) of a project that has no calibration run yet (runs belong to their model). */
  async setModel(projectId: string, model: string, card?: string): Promise<ProjectSummary> {
    const runs = this.store.listRuns(projectId);
    if (runs.length) throw new UserError(`this project has ${runs.length} calibration run(s) made for its current model; create a new project for another model`);
    const m = await this.checkModel(model, card);
    return this.store.setProjectModel(projectId, m.modelPath, m.cardPath, m.sha256);
  }

  /** The model file checked by loading and planning it in a worker, and its card (given, or card.json beside it). */
  private async checkModel(model: string, card?: string): Promise<{ modelPath: string; cardPath: string | null; sha256: string }> {
    const modelPath = path.resolve(model);
    if (!fs.existsSync(modelPath)) throw new UserError(`model file not found: ${modelPath}`);
    if (fs.statSync(modelPath).isDirectory()) throw new UserError(`${modelPath} is a folder; choose the .onnx file inside it`);
    let cardPath = card ? path.resolve(card) : undefined;
    if (!cardPath) {
      const beside = path.join(path.dirname(modelPath), 'card.json');
      if (fs.existsSync(beside)) cardPath = beside;
    }
    if (cardPath && !fs.existsSync(cardPath)) throw new UserError(`model card not found: ${cardPath}`);
    const summary = await this.inspectFile(modelPath, cardPath);
    if (summary.quantizedLayers === 0) {
      throw new UserError(`${path.basename(modelPath)} has no Conv, Gemm or MatMul layer with constant weights: nothing to quantize`);
    }
    return { modelPath, cardPath: cardPath ?? null, sha256: summary.sha256 };
  }

  deleteProject(projectId: string): void {
    this.store.deleteProject(projectId);
  }

  project(projectId: string): ProjectDetail {
    const project = this.store.getProject(projectId);
    return {
      demo: readDemoResult(project.folder),
      demoSamples: readDemoSamples(project.folder),
      project,
      dataset: this.store.getDataset(projectId),
      runs: this.store.listRuns(projectId),
      results: this.results(projectId),
      exports: this.store.listExports(projectId),
      profiles: this.store.listProfiles(projectId),
    };
  }

  private async inspectFile(model: string, card?: string): Promise<ModelSummary> {
    const key = `${model}|${card ?? ''}|${fs.statSync(model).mtimeMs}`;
    const hit = this.inspectCache.get(key);
    if (hit) return hit;
    let r: InspectResult;
    try {
      r = await startJob<InspectResult>({ kind: 'inspect', model, card }).promise;
    } catch (e) {
      throw new UserError(friendlyModelError(model, (e as Error).message));
    }
    const s: ModelSummary = {
      file: r.file,
      sha256: r.sha256,
      opset: r.opset,
      inputs: r.inputs,
      outputs: r.outputs,
      ops: r.ops,
      macs: r.macs,
      params: r.params,
      quantizedLayers: r.quantizedLayers,
      layers: r.layers,
      cardPreprocess: r.preprocess ? toPreprocessForm(r.preprocess) : null,
    };
    this.inspectCache.set(key, s);
    return s;
  }

  async inspect(projectId: string): Promise<ModelSummary> {
    const p = this.store.getProject(projectId);
    if (!p.modelPath) throw new UserError('this project has no model yet');
    if (!fs.existsSync(p.modelPath)) throw new UserError(`the project's model file is gone: ${p.modelPath}`);
    return this.inspectFile(p.modelPath, p.cardPath ?? undefined);
  }

  // ------------------------------------------------------------------ data

  private inputsOf(projectId: string): ProjectInputs {
    const p = this.store.getProject(projectId);
    if (!p.modelPath) throw new UserError('choose a model first (Model page)');
    const d = this.store.getDataset(projectId);
    if (!d) throw new UserError('choose a data folder first (Data page)');
    return { model: p.modelPath, card: p.cardPath ?? undefined, preprocess: d.preprocess ?? undefined, data: d.dataDir, labels: d.labelsFile ?? undefined };
  }

  async setDataset(projectId: string, dataDir: string, labelsFile?: string, preprocess?: PreprocessForm): Promise<DatasetInfo> {
    const p = this.store.getProject(projectId);
    if (!p.modelPath) throw new UserError('choose a model first (Model page)');
    const dir = path.resolve(dataDir);
    if (!fs.existsSync(dir)) throw new UserError(`data folder not found: ${dir}`);
    if (!fs.statSync(dir).isDirectory()) throw new UserError(`${dir} is a file, not a folder`);
    const labels = labelsFile ? path.resolve(labelsFile) : undefined;
    if (labels && !fs.existsSync(labels)) throw new UserError(`labels file not found: ${labels}`);
    if (!preprocess && !p.cardPath) throw new UserError('this model has no card: fill in the preprocessing form');
    let r: { kind: 'images' | 'mnist'; samples: number; labelled: number };
    try {
      r = await startJob<typeof r>({ kind: 'openData', model: p.modelPath, card: p.cardPath ?? undefined, preprocess, data: dir, labels }).promise;
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    return this.store.setDataset(projectId, { dataDir: dir, labelsFile: labels ?? null, preprocess: preprocess ?? null, kind: r.kind, samples: r.samples, labelled: r.labelled });
  }

  async preview(projectId: string, index: number): Promise<PreviewInfo> {
    const inp = this.inputsOf(projectId);
    try {
      return await startJob<PreviewInfo>({ kind: 'preview', index, ...inp }).promise;
    } catch (e) {
      throw new UserError((e as Error).message);
    }
  }

  // ------------------------------------------------------------------ calibration

  startCalibration(projectId: string, form: CalibSettingsForm): RunInfo {
    const settings = parseCalibRunSettings(form);
    const d = this.store.getDataset(projectId);
    if (d && settings.calibImages > d.samples) throw new UserError(`the dataset has ${d.samples} images; calibration asks for ${settings.calibImages}`);
    return this.calib.start(projectId, settings);
  }

  cancelCalibration(runId: string): RunInfo {
    return this.calib.cancel(runId);
  }

  resumeCalibration(runId: string): RunInfo {
    return this.calib.resume(runId);
  }

  // ------------------------------------------------------------------ results

  /**
   * Evaluates FP32 and every finished run on `limit` images: by default the held-out ones (after
   * the largest calibration set, as the CLI's --held-out-from), on the native engine when it
   * loads (bit-exact with int-ref, much faster), else on int-ref.
   */
  async evaluate(projectId: string, limit: number, runIds?: string[], opts: { engine?: EvalEngineName; heldOut?: boolean } = {}): Promise<EvalResultInfo[]> {
    const inp = this.inputsOf(projectId);
    const runs = this.store.listRuns(projectId).filter((r) => r.status === 'done' && (!runIds || runIds.includes(r.id)));
    if (runs.length === 0) throw new UserError('no finished calibration run to evaluate yet');
    const native = Runtime.available();
    const engine = opts.engine ?? (native ? 'native' : 'int-ref');
    if (engine === 'native' && !native) throw new UserError('the native engine is not available (see the banner to build it); choose int-ref');
    const calibrated = Math.max(...runs.map((r) => r.calibImages));
    const skip = (opts.heldOut ?? true) ? calibrated : 0;
    const samples = this.store.getDataset(projectId)?.samples;
    if (skip && samples !== undefined && samples <= skip) {
      throw new UserError(`no held-out images: the dataset has ${samples} and the first ${skip} were used for calibration; untick "held-out" or add images`);
    }
    const todo: { runId: string | null; label: string; scales?: string }[] = [{ runId: null, label: 'FP32' }];
    for (const r of runs) todo.push({ runId: r.id, label: runLabel(r.method, r.bits), scales: path.join(r.artifactDir, 'scales.json') });
    try {
      await this.evaluateAll(projectId, inp, todo, { engine, limit, skip, calibrated });
    } catch (e) {
      this.events.emit({ type: 'job.finished', job: 'evaluation', projectId, status: 'failed', title: 'Evaluation failed', summary: (e as Error).message });
      throw e;
    }
    const results = this.results(projectId);
    this.events.emit({ type: 'job.finished', job: 'evaluation', projectId, status: 'done', title: 'Evaluation finished', summary: evalSummary(results, todo.length) });
    return results;
  }

  private async evaluateAll(
    projectId: string,
    inp: ProjectInputs,
    todo: { runId: string | null; label: string; scales?: string }[],
    o: { engine: EvalEngineName; limit: number; skip: number; calibrated: number },
  ): Promise<void> {
    const { engine, limit, skip, calibrated } = o;
    for (const t of todo) {
      const res = await startJob<Omit<EvalResult, 'predictions'>>(
        {
          kind: 'evaluate',
          req: {
            ...inp,
            preprocess: inp.preprocess ? specFromForm(inp.preprocess) : undefined,
            engine: t.scales ? engine : 'fp32',
            scales: t.scales,
            limit,
            skip,
            heldOutFrom: skip ? undefined : calibrated,
            layerCosines: true,
            perImage: !!t.scales,
          },
        },
        (e) => this.events.emit({ type: 'eval.progress', projectId, label: t.label, index: e.index, total: e.total }),
      ).promise.catch((e: Error) => {
        throw new UserError(`evaluating ${t.label} failed: ${e.message}`);
      });
      this.store.saveResult(
        projectId,
        t.runId,
        {
          engine: res.engine,
          heldOutFrom: skip > 0 ? skip : null,
          images: res.images,
          top1: res.top1,
          top5: res.top5,
          agreement: res.agreement,
          meanCosine: res.mean_cosine,
          layerCosine: res.layer_cosine,
          outputs: t.scales ? outputErrors(res.outputs) : undefined,
        },
        res.per_image ?? [],
      );
    }
  }

  /** The flip gallery of a run's evaluation (see image-review.ts). */
  reviewImages(projectId: string, runId: string, limit: number): ImageReviewInfo {
    try {
      return imageReview(this.store, projectId, runId, limit);
    } catch (e) {
      if (e instanceof ReviewError) throw new UserError(e.message);
      throw e;
    }
  }

  private results(projectId: string): EvalResultInfo[] {
    return this.store.listResults(projectId);
  }

  async histogram(projectId: string, layer: string): Promise<HistogramInfo> {
    const inp = this.inputsOf(projectId);
    const runs = this.store.listRuns(projectId).filter((r) => r.status === 'done');
    const images = Math.max(1, Math.min(20, ...runs.map((r) => r.calibImages)));
    const h = await startJob<{ tensor: string; max: number; counts: number[]; weights: { max: number; counts: number[] } }>({
      kind: 'histogram',
      layer,
      images,
      bins: 128,
      ...inp,
    }).promise.catch((e: Error) => {
      throw new UserError(e.message);
    });
    const thresholds: HistogramInfo['thresholds'] = [];
    const scales: NonNullable<HistogramInfo['scales']> = [];
    for (const r of runs) {
      const file = path.join(r.artifactDir, 'scales.json');
      if (!fs.existsSync(file)) continue;
      const t = readScalesJson(file);
      const l = t.layers.find((x) => x.name === layer);
      const s = l?.inputScale ?? t.tensors[h.tensor];
      if (s && s > 0) thresholds.push({ runId: r.id, label: r.label, threshold: t.qmax / s });
      const ls = layerScales(t, layer, { runId: r.id, label: r.label });
      if (ls) scales.push(ls);
    }
    return { layer, tensor: h.tensor, max: h.max, counts: h.counts, thresholds, weights: h.weights, scales };
  }

  // ------------------------------------------------------------------ graph view and size

  private modelOf(projectId: string): { model: string; card?: string } {
    const p = this.store.getProject(projectId);
    if (!p.modelPath) throw new UserError('this project has no model yet');
    if (!fs.existsSync(p.modelPath)) throw new UserError(`the project's model file is gone: ${p.modelPath}`);
    return { model: p.modelPath, card: p.cardPath ?? undefined };
  }

  /** The imported graph, laid out as a layered DAG (in a worker: it loads the model). */
  async modelGraph(projectId: string, collapse: boolean): Promise<GraphInfo> {
    const m = this.modelOf(projectId);
    const key = `${m.model}|${m.card ?? ''}|${fs.statSync(m.model).mtimeMs}|${collapse}`;
    const hit = this.graphCache.get(key);
    if (hit) return hit;
    const g = await startJob<GraphInfo>({ kind: 'graph', ...m, collapse }).promise.catch((e: Error) => {
      throw new UserError(friendlyModelError(m.model, e.message));
    });
    this.graphCache.set(key, g);
    return g;
  }

  /** Weights, EQM and peak memory estimates; int8 tensors from `runId`'s scales when given. */
  async modelSize(projectId: string, runId?: string): Promise<ModelSizeInfo> {
    const m = this.modelOf(projectId);
    let scales: string | undefined;
    if (runId) {
      const run = this.store.getRun(runId);
      if (run.projectId !== projectId) throw new UserError(`run ${runId} belongs to another project`);
      scales = path.join(run.artifactDir, 'scales.json');
      if (!fs.existsSync(scales)) throw new UserError(`run ${run.label} has no scales.json (status: ${run.status})`);
    }
    const targets = [
      { target: 'host', threads: Math.max(1, this.engine.status().threads ?? os.availableParallelism()) },
      { target: 'ARM board', threads: BOARD_THREADS },
    ];
    const r = await startJob<SizeResult>({ kind: 'size', ...m, scales, targets }).promise.catch((e: Error) => {
      throw new UserError(friendlyModelError(m.model, e.message));
    });
    const labels = new Map(this.store.listRuns(projectId).map((x) => [x.id, x.label]));
    const eqmActual = this.store
      .listExports(projectId)
      .filter((x) => x.format === 'eqm' && fs.existsSync(x.path))
      .map((x) => ({ runId: x.runId, label: labels.get(x.runId) ?? x.runId, bytes: fs.statSync(x.path).size }));
    return { ...r, eqmActual, runId: runId ?? null };
  }

  // ------------------------------------------------------------------ exports

  async exportRun(projectId: string, runId: string, formats: ExportFormatName[]): Promise<ExportInfo[]> {
    const run = this.store.getRun(runId);
    if (run.projectId !== projectId) throw new UserError(`run ${runId} belongs to another project`);
    if (run.status !== 'done') throw new UserError(`run ${run.label} has not finished (status: ${run.status})`);
    const p = this.store.getProject(projectId);
    const out = this.store.exportDir(projectId, runId);
    const files = await startJob<Record<string, string>>({
      kind: 'export',
      model: p.modelPath!,
      card: p.cardPath ?? undefined,
      scales: path.join(run.artifactDir, 'scales.json'),
      out,
      formats,
    }).promise.catch((e: Error) => {
      this.events.emit({ type: 'job.finished', job: 'export', projectId, status: 'failed', title: `Export of ${run.label} failed`, summary: e.message });
      throw new UserError(`export failed: ${e.message}`);
    });
    const saved = this.store.saveExports(projectId, runId, files);
    this.events.emit({ type: 'job.finished', job: 'export', projectId, status: 'done', title: `${run.label} exported`, summary: `${Object.keys(files).join(', ')} in ${out}` });
    return saved;
  }

  // ------------------------------------------------------------------ devices and profiling

  listDevices(): DeviceInfo[] {
    return this.store.listDevices();
  }

  addDevice(name: string, config: DeviceConfig, secret?: string): DeviceInfo {
    if (config.transport === 'ssh' && config.keyPath && !fs.existsSync(config.keyPath)) throw new UserError(`SSH key not found: ${config.keyPath}`);
    let enc: Buffer | null = null;
    if (secret) {
      if (!this.opts.secrets) {
        throw new UserError('web mode does not store passwords or passphrases: reference an SSH key file by path instead (the desktop app can store them encrypted)');
      }
      try {
        enc = this.opts.secrets.encrypt(secret);
      } catch (e) {
        throw new UserError(`the password or passphrase of board '${name}' was not stored: ${(e as Error).message}`);
      }
    }
    return this.store.addDevice(name, config, enc);
  }

  removeDevice(deviceId: string): void {
    this.store.removeDevice(deviceId);
  }

  /** Connection test: reachability first (a specific reason when it fails), then the deploy module's probe. */
  async testDevice(deviceId: string): Promise<{ ok: boolean; message: string; probe?: Record<string, unknown> }> {
    const dev = this.store.getDevice(deviceId);
    const reach = await checkReachable(dev.config);
    if (!reach.ok) return { ok: false, message: reach.message };
    const deploy = await deployAvailability();
    if (!deploy.available) return { ok: true, message: `${reach.message}. Probing needs the deploy module: ${deploy.note}` };
    try {
      const probe = await startJob<Record<string, unknown>>({ kind: 'deployProbe', device: dev, home: deployHome(this.opts.dataRoot), secret: this.secretOf(dev) }).promise;
      this.store.setDeviceProbe(deviceId, probe);
      return { ok: true, message: `connected: ${String(probe.machine ?? 'unknown machine')}`, probe };
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
  }

  /** The board's decrypted passphrase or password, for the deploy worker only (never stored or logged). */
  private secretOf(dev: DeviceInfo): string | undefined {
    const enc = this.store.deviceSecret(dev.id);
    if (!enc) return undefined;
    if (!this.opts.secrets)
      throw new UserError(
        `board '${dev.name}' has a password or passphrase stored by the desktop app, which only the desktop app can decrypt; use the desktop app, or give the board a key without a passphrase`,
      );
    try {
      return this.opts.secrets.decrypt(enc);
    } catch {
      throw new UserError(`the stored password or passphrase of board '${dev.name}' cannot be decrypted (the OS keychain changed?): remove the board and add it again`);
    }
  }

  listProfiles(projectId: string): ProfileInfo[] {
    return this.store.listProfiles(projectId);
  }

  /** The project's per-layer precision; the next calibration (and so its compile and exports) uses it. */
  getLayerPrecision(projectId: string): LayerPrecisionMap {
    return this.store.getLayerPrecision(projectId);
  }

  setLayerPrecision(projectId: string, layers: LayerPrecisionMap): LayerPrecisionMap {
    return this.store.setLayerPrecision(projectId, layers);
  }

  /** Profile results of one board, from the app and from `easyquant profile`, newest first. */
  deviceResults(deviceId: string): DeviceResultInfo[] {
    return deviceResultsOf(this.store, deviceId);
  }

  /**
   * Deploys and profiles on several devices at once (one worker per device): the chosen run,
   * plus the project's latest finished EQ run at each other bit width asked for, plus FP32.
   * One device's failure does not stop the others.
   */
  async profile(projectId: string, deviceIds: string[], runId: string, compare: string[]): Promise<ProfileInfo[]> {
    const deploy = await deployAvailability();
    if (!deploy.available) throw new UserError(`deploy and profile are not available: ${deploy.note}`);
    const run = this.store.getRun(runId);
    if (run.projectId !== projectId) throw new UserError(`run ${runId} belongs to another project`);
    if (run.status !== 'done') throw new UserError(`run ${run.label} has not finished`);
    const inp = this.inputsOf(projectId);
    const variants: { label: string; scales: string }[] = [{ label: run.label, scales: path.join(run.artifactDir, 'scales.json') }];
    const done = this.store.listRuns(projectId).filter((r) => r.status === 'done' && r.method === 'eq');
    for (const c of compare) {
      const bits = c === 'int8' ? 8 : c === 'int7' ? 7 : null;
      if (bits === null || bits === run.bits) continue;
      const other = done.filter((r) => r.bits === bits).pop();
      if (other) variants.push({ label: other.label, scales: path.join(other.artifactDir, 'scales.json') });
    }
    if (compare.includes('fp32')) variants.push({ label: 'FP32', scales: 'fp32' });
    const home = deployHome(this.opts.dataRoot);
    const devs = deviceIds.map((id) => this.store.getDevice(id));
    const secrets = new Map(devs.map((d) => [d.id, this.secretOf(d)])); // before any profile row: an undecryptable secret fails the call
    const started = devs.map((dev) => ({ dev, prof: this.store.createProfile(projectId, dev.id, runId) }));
    await Promise.all(
      started.map(async ({ dev, prof }) => {
        try {
          const out = await startJob<ProfileJobResult>(
            {
              kind: 'deployProfile',
              device: dev,
              home,
              model: inp.model,
              card: inp.card,
              data: inp.data,
              evalImages: 50,
              variants,
              bench: { warmup: 2, runs: 10, threads: 1 },
              timeoutMs: 15 * 60_000,
              secret: secrets.get(dev.id),
            },
            undefined,
            (message) => this.events.emit({ type: 'profile.progress', projectId, profileId: prof.id, deviceName: dev.name, message }),
          ).promise;
          this.store.addDeviceResults(out.records, prof.id);
          if (out.error !== null) throw new Error(out.error);
          // the worker's answer is checked like any other input before it is stored and shown
          const result = out.result === null ? null : ProfileResultSchema.safeParse(out.result);
          if (result && !result.success) throw new Error(`${dev.name}: the profile job returned an unexpected result: ${describeIssues(result.error, out.result)}`);
          this.store.finishProfile(prof.id, 'done', result?.data ?? null, null);
          this.events.emit({ type: 'profile.finished', projectId, profileId: prof.id, status: 'done' });
          this.events.emit({
            type: 'job.finished',
            job: 'profile',
            projectId,
            status: 'done',
            title: `Profile on ${dev.name} finished`,
            summary: `${variants.map((v) => v.label).join(', ')} measured`,
          });
        } catch (e) {
          this.store.finishProfile(prof.id, 'failed', null, (e as Error).message);
          this.events.emit({ type: 'profile.finished', projectId, profileId: prof.id, status: 'failed', error: (e as Error).message });
          this.events.emit({ type: 'job.finished', job: 'profile', projectId, status: 'failed', title: `Profile on ${dev.name} failed`, summary: (e as Error).message });
        }
      }),
    );
    return this.store.listProfiles(projectId);
  }

  // ------------------------------------------------------------------ files (web mode) and host benchmark

  /** One folder under the allowed roots (home, data folder, EQ_FILE_ROOTS) for the file picker. */
  listFiles(p?: string): FileListing {
    return listFolder(fileRoots(this.opts.dataRoot), p);
  }

  exportDownload(projectId: string, exportId: string): { file: string; name: string } {
    return exportDownload(this.store, projectId, exportId);
  }

  runDownload(runId: string): { name: string; sources: ZipSource[] } {
    return runDownload(this.store, runId);
  }

  hostBench(p: HostBenchParams): Promise<HostBenchInfo> {
    return runHostBench(this.store, this.events, p);
  }

  searchPrecision(p: PrecisionSearchParams): Promise<MixedSearchInfo> {
    return runPrecisionSearch(this.store, this.events, this.inputsOf(p.projectId), p);
  }
}

/** The form's fields of a preprocessing spec (resample, crop rounding and EXIF stay the card's). */
function toPreprocessForm(s: PreprocessSpec): PreprocessForm {
  return { resize: s.resize, centerCrop: s.centerCrop, channelOrder: s.channelOrder, alpha: s.alpha, scale: s.scale ?? 1, mean: s.mean, std: s.std, layout: s.layout };
}

/** Turns loader errors into the message a user needs. */
export function friendlyModelError(file: string, raw: string): string {
  const base = path.basename(file);
  if (/not a valid ONNX model/i.test(raw)) return `${base} is not an ONNX model (the file could not be decoded as ONNX protobuf)`;
  if (/unsupported|not supported/i.test(raw)) return `${base} uses something EasyQuant Studio does not support: ${raw}`;
  return `${base} could not be loaded: ${raw}`;
}
