/** Options, progress events and the structured result of the embedded demo (CLI and GUI share them). */
import type { ProgressEvent } from './progress.js';
import type { LatencyStats } from './bench.js';

export interface DbParams {
  thresh: number;
  boxThresh: number;
  unclipRatio: number;
  /** components whose shorter side is under this many pixels are dropped */
  minSize: number;
}

export interface DetectionScore {
  matched: number;
  predicted: number;
  reference: number;
  precision: number;
  recall: number;
  fscore: number;
}

export interface FscoreDiff {
  /** quantized F minus FP32 F on the whole set */
  diff: number;
  /** percentile interval of the difference over the bootstrap resamples */
  lo: number;
  hi: number;
  level: number;
  resamples: number;
  images: number;
}

export interface LoadNote {
  /** 1-minute load average before and after the timing */
  loadAvgStart: number;
  loadAvgEnd: number;
  cores: number;
  /** either figure above half the cores: other processes share the CPUs, latencies are inflated and noisy */
  loaded: boolean;
}

export interface DemoOptions {
  /** output folder for the exports, data and result (written atomically) */
  out: string;
  /** input size, multiples of 32 (default 320 x 160) */
  width?: number;
  height?: number;
  calibImages?: number;
  evalImages?: number;
  /** data seed: calibration set = seed, evaluation set = seed + 1 (separate images) */
  seed?: number;
  /** bit widths to calibrate with EQ (default [8, 7]) */
  bits?: number[];
  /** EQ search: grid points (paper: 100) and output positions scored per image (0 = all) */
  steps?: number;
  samplePositions?: number;
  /** timed runs per engine, interleaved in one loop (after 2 warm-up rounds) */
  latencyRuns?: number;
  /** threads for onnxruntime and the native runtime (default: available CPUs) */
  threads?: number;
  /** build the native addon when it is missing (default true) */
  buildNative?: boolean;
  /** stop between steps (GUI cancel) */
  shouldStop?: () => boolean;
}

export type DemoStage = 'setup' | 'render' | 'fp32' | 'calibrate' | 'evaluate' | 'latency' | 'export' | 'done';

export interface DemoProgress {
  stage: DemoStage;
  message: string;
  /** 'FP32', 'EQ INT8', … */
  config?: string;
  index?: number;
  total?: number;
  /** calibration progress of the EQ search (per layer group) */
  calib?: ProgressEvent;
  elapsedMs: number;
}

export type DemoProgressSink = (p: DemoProgress) => void;

export interface DemoRow {
  config: string;
  method: 'fp32' | 'eq';
  bits: number | null;
  /** engine that produced the accuracy figures */
  engine: 'onnxruntime' | 'native' | 'int-ref';
  /** detection against the rendered ground-truth boxes */
  detection: DetectionScore;
  /** detection F-score with the FP32 boxes as the reference (null for FP32) */
  agreementF: number | null;
  /** IoU of the binarized probability maps with FP32's, over the set (null for FP32) */
  mapIoU: number | null;
  /** latency of one image: median and p90 of interleaved runs, the engine and its threads (null: not timed) */
  latency: DemoLatency | null;
  /** = latency.median_ms and "<engine>, <threads> thread(s)" (kept for older readers of demo-result.json) */
  latencyMs: number | null;
  latencyEngine: string | null;
  /** F-score minus FP32's with a paired bootstrap interval over the images (null for FP32) */
  fscoreDiff: FscoreDiff | null;
  calibSeconds: number | null;
  /** export folder of this configuration */
  exportDir?: string;
  /** native output identical to the TypeScript integer reference on the first evaluation image */
  nativeMatchesIntRef?: boolean | null;
}

export interface DemoLatency extends LatencyStats {
  /** e.g. 'onnxruntime FP32', 'native INT8' */
  engine: string;
  threads: number;
}

export interface DemoResult {
  model: { file: string; package: string; sha256: string; inputName: string; outputName: string; inputDims: number[]; quantizedLayers: number; nodes: number };
  data: { width: number; height: number; calibSeed: number; evalSeed: number; calibImages: number; evalImages: number; calibBoxes: number; evalBoxes: number };
  settings: { steps: number; samplePositions: number; alpha: number; beta: number; db: DbParams; matchIoU: number; threads: number };
  rows: DemoRow[];
  native: { available: boolean; reason?: string; builtSeconds?: number };
  out: string;
  files: string[];
  /** wall-clock seconds per step; cpuSeconds: CPU time of the process (all threads), which shows how loaded the machine was */
  timings: {
    totalSeconds: number;
    cpuSeconds: number;
    renderSeconds: number;
    fp32Seconds: number;
    calibrateSeconds: number;
    evaluateSeconds: number;
    latencySeconds: number;
    exportSeconds: number;
  };
  /** 1-minute load average around the latency measurement (null: nothing was timed) */
  load: LoadNote | null;
  warnings: string[];
}
