/**
 * Data shapes of the app service API (projects, runs, results, devices, profiles) shared by
 * the main process, the web server and the renderer. Types only: no runtime imports, so the
 * renderer can `import type` this file.
 */
import type { CalibMethodName, CalibRunSettings, CalibRunSettingsInput } from './calib-settings.js';
import type { PreprocessForm } from './preprocess.js';
import type { LayerCosines, RunLayer, RunProgress } from './run-schemas.js';
import type { ProfileResult } from './bench-report.js';

export type { CalibMethodName, PreprocessForm, ProfileResult, RunLayer, RunProgress };
export type RunStatus = 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';
export type ExportFormatName = 'scales' | 'ncnn' | 'trt' | 'qdq' | 'eqm';
/** per-layer precision: layers not in the map use the run's bits */
export type LayerPrecision = 'fp32' | 'int8' | 'int7';
export type LayerPrecisionMap = Record<string, LayerPrecision>;

export interface ProjectSummary {
  id: string;
  name: string;
  folder: string;
  modelPath: string | null;
  cardPath: string | null;
  modelSha256: string | null;
  createdAt: string;
  updatedAt: string;
  runs: number;
}

export interface DatasetInfo {
  id: string;
  projectId: string;
  dataDir: string;
  labelsFile: string | null;
  preprocess: PreprocessForm | null;
  kind: 'images' | 'mnist';
  samples: number;
  labelled: number;
  createdAt: string;
}

/** The Calibrate page's settings as sent (fields left out get their defaults; schema: calib-settings.ts). */
export type CalibSettingsForm = CalibRunSettingsInput;

export interface RunInfo {
  id: string;
  projectId: string;
  method: CalibMethodName;
  bits: number;
  settings: CalibRunSettings;
  calibImages: number;
  status: RunStatus;
  error: string | null;
  artifactDir: string;
  attempts: number;
  startedAt: string;
  finishedAt: string | null;
  seconds: number | null;
  lastProgress: RunProgress | null;
  layers: RunLayer[];
  label: string;
}

export interface EvalResultInfo {
  id: string;
  projectId: string;
  runId: string | null;
  label: string;
  engine: string;
  images: number;
  top1: number | null;
  top5: number | null;
  agreement: number | null;
  meanCosine: number | null;
  layerCosine: LayerCosines;
  /** held-out evaluation: the first image index used (the calibration images come before); null = from image 0 */
  heldOutFrom?: number | null;
  createdAt: string;
  /** per graph output: the quantized output's error against FP32 (results stored before it existed have none) */
  outputs?: Record<string, OutputErrorInfo>;
}

export type EvalEngineName = 'native' | 'int-ref' | 'sim' | 'ort-qdq';

export interface ExportInfo {
  id: string;
  runId: string;
  format: string;
  path: string;
  createdAt: string;
}

export interface SshDeviceConfig {
  transport: 'ssh';
  host: string;
  port: number;
  user: string;
  /** private key referenced by path (never copied into the database) */
  keyPath?: string;
  /** folder on the board for the runner and models (default: .easyquant in the login folder) */
  dir?: string;
  /** set by `easyquant devices add --jump` (the devices table is shared with the CLI) */
  jump?: { host: string; port: number; user: string; keyPath: string };
  timeoutMs?: number;
}
export interface SerialDeviceConfig {
  transport: 'serial';
  path: string;
  baud: number;
  dir?: string;
  timeoutMs?: number;
}
export type DeviceConfig = SshDeviceConfig | SerialDeviceConfig;

export interface DeviceInfo {
  id: string;
  name: string;
  config: DeviceConfig;
  hasSecret: boolean;
  probe: Record<string, unknown> | null;
  createdAt: string;
}

export interface ProfileInfo {
  id: string;
  projectId: string;
  deviceId: string;
  deviceName: string;
  runId: string | null;
  status: 'running' | 'done' | 'failed';
  error: string | null;
  result: ProfileResult | null;
  createdAt: string;
}

export interface LayerRow {
  name: string;
  op: string;
  quantized: boolean;
  reason: string;
  macs: number;
  params: number;
  inputShape: number[];
  outputShape: number[];
}

export interface ModelSummary {
  file: string;
  sha256: string;
  opset: number;
  inputs: { name: string; dims: number[] }[];
  outputs: { name: string; dims: number[] }[];
  ops: Record<string, number>;
  macs: number;
  params: number;
  quantizedLayers: number;
  layers: LayerRow[];
  /** the model card's preprocessing, for the Data page's form (null without a card) */
  cardPreprocess: PreprocessForm | null;
}

export interface HistogramInfo {
  layer: string;
  tensor: string;
  max: number;
  /** bin edges are i * max / counts.length */
  counts: number[];
  thresholds: { runId: string; label: string; threshold: number }[];
  /** |w| histogram of the layer's FP32 weights (bin edges i * max / counts.length) */
  weights?: { max: number; counts: number[] };
  /** the layer's scales in each finished run (from its scales.json) */
  scales?: LayerScalesInfo[];
}

export interface PreviewInfo {
  index: number;
  id: string;
  label: number | null;
  /** data:image/png;base64 of the preprocessed tensor with its normalisation undone, in RGB (min-max scaled without a spec) */
  png: string;
  width: number;
  height: number;
  channels: number;
  min: number;
  max: number;
  mean: number;
}

export interface AppInfo {
  version: string;
  mode: 'desktop' | 'web';
  deployAvailable: boolean;
  deployNote: string;
  demoAvailable: boolean;
  secretsAllowed: boolean;
}

export interface EngineBuildInfo {
  state: 'idle' | 'running' | 'done' | 'failed';
  /** one line for the user: what happened (or why it failed) */
  message: string | null;
  /** the last lines of the build's output */
  log: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Which engine the app computes with: the native addon (ISA, threads) or the TypeScript fallback. */
export interface EngineStatus {
  native: boolean;
  /** ISA level the native kernels run at (EQ_ISA or the best this CPU has); null without the addon */
  isa: string | null;
  availableIsas: string[];
  /** CPUs the native engine uses by default (the process's affinity mask) */
  threads: number | null;
  addonFile: string | null;
  /** why the addon is not available */
  reason: string | null;
  build: EngineBuildInfo;
}

/** Events pushed from the service to every client. */
export type AppEvent =
  | { type: 'run.progress'; runId: string; projectId: string; progress: RunProgress; layer?: RunLayer }
  | { type: 'run.finished'; runId: string; projectId: string; status: RunStatus; error?: string }
  | { type: 'eval.progress'; projectId: string; label: string; index: number; total: number }
  | { type: 'profile.progress'; projectId: string; profileId: string; deviceName: string; message: string }
  | { type: 'profile.finished'; projectId: string; profileId: string; status: 'done' | 'failed'; error?: string }
  | { type: 'demo.progress'; message: string }
  | { type: 'engine.build'; build: EngineBuildInfo }
  | JobFinishedEvent
  | { type: 'bench.progress'; projectId: string; message: string }
  | { type: 'search.progress'; projectId: string; stage: string; index: number; total: number; message: string };

/** Where a project's model, card, preprocessing and data come from (what a job needs to start). */
export interface ProjectInputs {
  model: string;
  card?: string;
  preprocess?: PreprocessForm;
  data: string;
  labels?: string;
}

export interface OutputErrorInfo {
  cosineMean: number;
  cosineMin: number;
  sqnrDb: number | null;
}

/** One image of an evaluation: FP32's and the quantized engine's top-1 with its probability. */
export interface ImagePredictionInfo {
  /** dataset index (data.preview takes it) */
  index: number;
  id: string;
  label: number | null;
  refClass: number | null;
  refProb: number | null;
  qClass: number;
  qProb: number | null;
  /** lowest cosine over the graph outputs, quantized against FP32 */
  cosine: number | null;
}

/** The images of a run's evaluation worth a look: top-1 flips vs FP32 (classifiers), else the lowest output cosine. */
export interface ImageReviewInfo {
  runId: string;
  label: string;
  engine: string;
  classifier: boolean;
  /** images with a per-image record (0: evaluated before they were recorded; evaluate again) */
  images: number;
  items: ImagePredictionInfo[];
  /** names of the classes in `items`, from the labels file (empty without labels) */
  classNames: Record<number, string>;
}

export type JobKind = 'calibration' | 'evaluation' | 'export' | 'profile' | 'demo';

/** A long job ended (for toasts and desktop notifications): `summary` is one line for the user. */
export interface JobFinishedEvent {
  type: 'job.finished';
  job: JobKind;
  projectId?: string;
  status: 'done' | 'failed' | 'cancelled';
  title: string;
  summary: string;
}

/** One run's scales of one layer: the activation scale, its clip threshold, per-channel weight scales summarised. */
export interface LayerScalesInfo {
  runId: string;
  label: string;
  inputScale: number;
  /** activation clip range: |x| <= qmax / inputScale */
  threshold: number;
  weightScales: { count: number; min: number; median: number; max: number };
  /** per-channel weight clip ranges qmax / scale, summarised */
  weightClip: { min: number; median: number; max: number };
}

/** A node of the model graph view (see core/graph/graph-view.ts), with its layout position (centre, px). */
/** A node of the model graph view (core/graph/graph-view.ts builds them). */
export interface GraphViewNode {
  /** the node name (unique in the IR) */
  id: string;
  op: string;
  inputs: string[];
  outputs: string[];
  /** shape of the first output ([] when unknown) */
  shape: number[];
  quantized: boolean;
  /** calibration group name (quantized layers only) */
  group: string | null;
  reason: string;
  /** nodes folded into this one by collapsing an FP32-only chain (absent when not collapsed) */
  members?: string[];
}

export interface GraphNodeInfo extends GraphViewNode {
  x: number;
  y: number;
}

export interface GraphInfo {
  nodes: GraphNodeInfo[];
  /** points: the edge's route (layout px) */
  edges: { from: string; to: string; tensor: string; points: [number, number][] }[];
  width: number;
  height: number;
  nodeWidth: number;
  nodeHeight: number;
  /** FP32-only chains folded into one node each */
  collapsed: boolean;
  /** nodes of the imported graph (before any folding) */
  graphNodes: number;
}

/** Peak memory on one target: activations (liveness) plus the runtime's scratch workspace. */
export interface TargetMemoryInfo {
  target: string;
  threads: number;
  activationBytes: number;
  workspaceBytes: number;
  totalBytes: number;
}

export interface ModelSizeInfo {
  weights: { fp32: number; int8: number; int7: number };
  eqmEstimateBytes: number;
  /** sizes of the EQM files compiled so far (exports) */
  eqmActual: { runId: string; label: string; bytes: number }[];
  /** the int8 tensors taken from this run's scales.json (null: derived from the plan) */
  runId: string | null;
  activationPeak: { bytes: number; at: string };
  targets: TargetMemoryInfo[];
}

/** One entry of a server-side folder listing (the web-mode file picker). */
export interface FileEntry {
  name: string;
  path: string;
  /** dir: a folder (dataFolder when it holds images or MNIST files); model: .onnx/.tflite; card: card.json */
  kind: 'dir' | 'model' | 'card' | 'file';
  size: number;
  dataFolder?: boolean;
}

export interface FileListing {
  path: string;
  /** the enclosing folder, null at a root */
  parent: string | null;
  roots: { label: string; path: string }[];
  entries: FileEntry[];
}

/** What an upload (POST /api/upload) made: a folder under <data>/uploads and the notable files in it. */
export interface UploadResult {
  dir: string;
  files: number;
  bytes: number;
  /** the first .onnx/.tflite, card.json, and the folder holding images (null when absent) */
  model: string | null;
  card: string | null;
  dataDir: string | null;
}

export type HostBenchVariant = 'int8' | 'int7' | 'fp32';

export interface HostBenchEngine {
  /** e.g. "EQ INT8 (native)", "FP32 (onnxruntime)" */
  label: string;
  engine: 'native' | 'ort-fp32';
  bits: number | null;
  runId: string | null;
  median_ms: number;
  p90_ms: number;
  min_ms: number;
  max_ms: number;
  runs: number;
}

export interface HostBenchLayer {
  name: string;
  kind: string;
  kernel: string;
  /** per native engine label: mean ms per run (the profile accumulated over the timed runs / runs) */
  ms: Record<string, number>;
}

export interface HostBenchInfo {
  projectId: string;
  runId: string;
  threads: number;
  isa: string;
  runs: number;
  warmup: number;
  engines: HostBenchEngine[];
  /** quantized layers of the native runs, in execution order */
  layers: HostBenchLayer[];
  load: { loadAvgStart: number; loadAvgEnd: number; cores: number; loaded: boolean };
  createdAt: string;
}

/** One configuration the mixed-precision search evaluated (precision.search). */
export interface MixedSearchPointInfo {
  /** modelled from the per-layer profiles, ms */
  latencyMs: number;
  /** measured end to end on the host (front and all-INT8 only) */
  measuredMs?: number;
  /** the budget's metric */
  accuracy: number;
  agreement: number;
  top1: number | null;
  step: string;
  layerBits: LayerPrecisionMap;
  /** per layer, the kernel its profiled time came from (the runtime's per-layer choice) */
  layerKernels: Record<string, string>;
}

export interface MixedSearchInfo {
  projectId: string;
  /** the INT8 and INT7 runs whose scales the candidates combine */
  runInt8: string;
  runInt7: string;
  budget: string;
  metric: 'agreement' | 'top1';
  latencySource: string;
  searchImages: number;
  fp32Top1: number | null;
  allInt8: MixedSearchPointInfo;
  points: MixedSearchPointInfo[];
  /** indices into points, by latency */
  front: number[];
  chosen: number | null;
  /** when nothing meets the budget: the most accurate point without FP32 layers (index into points) */
  closest: number | null;
  createdAt: string;
}
