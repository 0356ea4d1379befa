/**
 * Runtime operations of the service API: benchmark one engine (the native runtime, onnxruntime FP32, or onnxruntime on our
 * QDQ export) in this process (compiling through compile.ts). Used by the CLI (`easyquant bench`), the
 * app and `npm run bench`.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { latencyStats, type LatencyStats } from '../core/bench/latency-stats.js';
import { exportQdqOnnx } from '../core/export/qdq-onnx.js';
import { mulberry32 } from '../core/synth/rng.js';
import { Runtime, type NativeProfile, type NativeSessionOptions } from '../engines/native/native-runtime.js';
import { compileFromFiles } from './compile.js';
import { prepareModel } from './model-setup.js';
import { loadScalesFor } from './quantize.js';
import { ortCall } from '../engines/ort-stop.js';

export const BENCH_ENGINES = ['native', 'ort-fp32', 'ort-qdq'] as const;
export type BenchEngine = (typeof BENCH_ENGINES)[number];

export interface BenchRequest {
  /** .onnx (needs scales for native / ort-qdq) or .eqm (native only) */
  model: string;
  card?: string;
  scales?: string;
  engine: BenchEngine;
  isa?: string;
  threads: number;
  runs: number;
  warmup: number;
  /** native: force a convolution algorithm (gemm | wino23 | wino43) */
  convAlgo?: string;
  /** native: keep the per-layer profile of the timed runs */
  profile?: boolean;
  /**
   * onnxruntime engines: let idle intra-op threads spin after a run (onnxruntime's default, true).
   * Interleaved benchmarks turn it off: a spinning session would hold a core while the next
   * engine of the round runs.
   */
  ortSpinning?: boolean;
}

export interface BenchResult extends LatencyStats {
  /** median process CPU time per run (all threads), ms */
  median_cpu_ms: number;
  engine: BenchEngine;
  isa: string;
  threads: number;
  /** per-layer profile of the timed runs (native, when requested) */
  layers?: NativeProfile;
}

function randomInput(dims: number[], seed: number): Float32Array {
  const r = mulberry32(seed);
  const x = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < x.length; i++) x[i] = r() * 2 - 1;
  return x;
}

function checkCounts(req: BenchRequest): void {
  if (!Number.isInteger(req.runs) || req.runs < 1) throw new Error(`--runs must be a positive integer (got ${req.runs})`);
  if (!Number.isInteger(req.warmup) || req.warmup < 0) throw new Error(`--warmup must be a non-negative integer (got ${req.warmup})`);
  if (!Number.isInteger(req.threads) || req.threads < 1 || req.threads > 1024) throw new Error(`--threads must be an integer in 1..1024 (got ${req.threads})`);
}

/** Wall-clock and process CPU time (all threads) of each run, in ms. */
export async function timeAsync(n: number, fn: () => Promise<unknown>): Promise<{ wall: number[]; cpu: number[] }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await fn();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  return { wall, cpu };
}

/** Median of per-run process CPU time: less sensitive than wall time to other load on the machine (equals work, not latency, above 1 thread). */
function cpuMedian(cpu: number[]): number {
  return latencyStats(cpu).median_ms;
}

/** An engine ready to run on a fixed random input: one `run()` is one timed inference. */
export interface BenchSession {
  run(): Promise<unknown>;
  close(): Promise<void>;
  isa(): string;
  threads(): number;
  /** native: the per-layer profile since the last resetProfile() */
  profile?(): NativeProfile;
  resetProfile?(): void;
}

function openNative(req: BenchRequest): BenchSession {
  const isEqm = req.model.toLowerCase().endsWith('.eqm');
  let bytes: Uint8Array;
  if (isEqm) {
    if (!fs.existsSync(req.model)) throw new Error(`model file not found: ${req.model}`);
    bytes = fs.readFileSync(req.model);
  } else {
    if (!req.scales) throw new Error(`--engine native with an ONNX model needs --scales (or pass a compiled .eqm)`);
    bytes = compileFromFiles({ model: req.model, card: req.card, scales: req.scales }).bytes;
  }
  const opts: NativeSessionOptions = { threads: req.threads, isa: req.isa, convAlgo: req.convAlgo };
  const session = Runtime.load(bytes, opts);
  const dims = session.info.input.dims;
  const x = randomInput(dims, 1);
  return {
    run: async () => session.run(x, dims),
    close: async () => {},
    isa: () => session.profile().isa,
    threads: () => session.profile().threads,
    profile: () => session.profile(),
    resetProfile: () => session.resetProfile(),
  };
}

async function openOrt(req: BenchRequest): Promise<BenchSession> {
  if (req.model.toLowerCase().endsWith('.eqm')) throw new Error(`--engine ${req.engine} needs an ONNX model, not an .eqm file`);
  if (req.isa) throw new Error(`--isa applies to --engine native only`);
  const p = prepareModel({ model: req.model, card: req.card });
  let bytes: Uint8Array;
  if (req.engine === 'ort-qdq') {
    if (!req.scales) throw new Error('--engine ort-qdq needs --scales');
    bytes = exportQdqOnnx(p.model.graph, loadScalesFor(p, req.scales));
  } else {
    // the user's original model file: onnxruntime applies its own graph optimisations
    bytes = fs.readFileSync(req.model);
  }
  const session = await ortCall(() =>
    ort.InferenceSession.create(bytes, {
      intraOpNumThreads: req.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      ...(req.ortSpinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    }),
  );
  const name = session.inputNames[0]!;
  const feeds = { [name]: new ort.Tensor('float32', randomInput(p.inputDims, 1), p.inputDims) };
  const run = () => ortCall(() => session.run(feeds));
  return { run, close: () => session.release(), isa: () => 'onnxruntime', threads: () => req.threads };
}

/** Opens one engine for timing (checks the request first); the caller closes it. */
export async function openBenchSession(req: BenchRequest): Promise<BenchSession> {
  checkCounts(req);
  if (!BENCH_ENGINES.includes(req.engine)) throw new Error(`--engine must be one of ${BENCH_ENGINES.join(', ')} (got '${req.engine}')`);
  if (!fs.existsSync(req.model)) throw new Error(`model file not found: ${path.resolve(req.model)}`);
  return req.engine === 'native' ? openNative(req) : openOrt(req);
}

export async function runBench(req: BenchRequest): Promise<BenchResult> {
  const s = await openBenchSession(req);
  try {
    for (let i = 0; i < req.warmup; i++) await s.run();
    s.resetProfile?.();
    const t = await timeAsync(req.runs, () => s.run());
    const layers = req.profile ? s.profile?.() : undefined;
    return { engine: req.engine, isa: s.isa(), threads: s.threads(), ...latencyStats(t.wall), median_cpu_ms: cpuMedian(t.cpu), ...(layers ? { layers } : {}) };
  } finally {
    await s.close();
  }
}
