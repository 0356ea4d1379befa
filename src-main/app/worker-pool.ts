/**
 * Starts one worker thread per heavy job so the calling thread (Electron main or the web
 * server) never blocks. Bundled builds ship worker.js beside the bundle; unbundled runs
 * (tsx, tests) go through worker-boot.mjs, which loads the TypeScript entry.
 * Each worker has a heap limit (EQ_WORKER_MAX_MB) and, optionally, a time limit
 * (EQ_JOB_TIMEOUT_S); either ends the job with a clear error instead of taking the process down.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ProgressEvent } from '../core/calib/progress.js';
import type { JobRequest } from './jobs.js';

function workerEntry(): URL {
  const bundled = new URL('./worker.js', import.meta.url);
  if (bundled.protocol === 'file:' && fs.existsSync(fileURLToPath(bundled))) return bundled;
  return new URL('./worker-boot.mjs', import.meta.url);
}

export const DEFAULT_WORKER_MAX_MB = 4096;
/** how long a stopped job gets to reach its next check before its thread is terminated */
const STOP_GRACE_MS = 1000;
/** how long a stopped job inside an onnxruntime call may take to return from it (then terminated anyway) */
const ORT_CALL_CAP_MS = 120_000;

export interface WorkerLimits {
  /** V8 old-generation heap of each worker, MB */
  maxOldMb: number;
  /** wall-clock limit of one job, seconds (undefined: none) */
  timeoutS?: number;
}

/** EQ_WORKER_MAX_MB (default 4096) and EQ_JOB_TIMEOUT_S (default none; 0 or empty = none). */
export function workerLimits(env: NodeJS.ProcessEnv = process.env): WorkerLimits {
  const mb = env['EQ_WORKER_MAX_MB'];
  const t = env['EQ_JOB_TIMEOUT_S'];
  const maxOldMb = mb === undefined || mb.trim() === '' ? DEFAULT_WORKER_MAX_MB : Number(mb);
  if (!Number.isInteger(maxOldMb) || maxOldMb < 16) throw new Error(`EQ_WORKER_MAX_MB must be an integer >= 16 (MB; got '${mb}')`);
  const timeoutS = t === undefined || t.trim() === '' ? 0 : Number(t);
  if (!Number.isFinite(timeoutS) || timeoutS < 0) throw new Error(`EQ_JOB_TIMEOUT_S must be a number of seconds >= 0 (0 = no limit; got '${t}')`);
  return { maxOldMb, timeoutS: timeoutS > 0 ? timeoutS : undefined };
}

export interface JobHandle<T> {
  promise: Promise<T>;
  /** asks the job to stop at its next check (calibration checks between layers) */
  stop(): void;
  /** terminates the thread at once */
  kill(): Promise<void>;
}

export class JobCancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelledError';
  }
}

/** The job outran EQ_JOB_TIMEOUT_S or its worker's heap limit; the worker was terminated. */
export class JobLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobLimitError';
  }
}

/** every running worker, so a shutdown can end them all */
const live = new Set<() => Promise<void>>();

/** Terminates every running job (server shutdown); their promises reject as cancelled. */
export async function terminateAllJobs(): Promise<void> {
  await Promise.allSettled([...live].map((kill) => kill()));
}

export function runningJobs(): number {
  return live.size;
}

export function startJob<T>(job: JobRequest, onProgress?: (e: ProgressEvent) => void, onMessage?: (m: string) => void): JobHandle<T> {
  let limits: WorkerLimits;
  try {
    limits = workerLimits();
  } catch (e) {
    return { promise: Promise.reject(e as Error), stop: () => {}, kill: async () => {} };
  }
  // [0]: stop flag, [1]: onnxruntime calls in flight (engines/ort-stop.ts)
  const stopFlag = new SharedArrayBuffer(8);
  const flag = new Int32Array(stopFlag);
  const worker = new Worker(workerEntry(), { workerData: { job, stopFlag }, stderr: false, resourceLimits: { maxOldGenerationSizeMb: limits.maxOldMb } });
  let idle!: () => void;
  // resolves when the job's code has returned (result or error posted) or the thread is gone
  const jobDone = new Promise<void>((r) => (idle = r));
  let jobEnded = false;
  void jobDone.then(() => (jobEnded = true));
  const kill = async () => {
    Atomics.store(flag, 0, 1);
    // terminating a thread inside onnxruntime's run aborts the whole process: let the job stop
    // at its next check first (calibration checks every image), terminate only if it does not
    let t: NodeJS.Timeout | undefined;
    await Promise.race([jobDone, new Promise<void>((r) => (t = setTimeout(r, STOP_GRACE_MS)))]);
    clearTimeout(t);
    // still inside onnxruntime (a session creation can take seconds on a loaded machine): wait
    // until the call returns; the next one is refused, so the job then ends
    const cap = Date.now() + ORT_CALL_CAP_MS;
    for (let n = Atomics.load(flag, 1); !jobEnded && n > 0 && Date.now() < cap; n = Atomics.load(flag, 1)) {
      // woken by ortCall()'s notify when the count changes (or at the cap)
      const w = Atomics.waitAsync(flag, 1, n, Math.max(0, cap - Date.now()));
      if (w.async) await Promise.race([jobDone, w.value]);
    }
    await worker.terminate();
  };
  live.add(kill);
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<T>((resolve, reject) => {
    const fail = (e: Error, stopFirst = false) => {
      if (settled) return;
      settled = true;
      reject(e);
      void (stopFirst ? kill() : worker.terminate());
    };
    if (limits.timeoutS !== undefined) {
      const s = limits.timeoutS;
      timer = setTimeout(() => fail(new JobLimitError(`the ${job.kind} job ran longer than ${s} s and was stopped (time limit EQ_JOB_TIMEOUT_S=${s})`), true), s * 1000);
      timer.unref();
    }
    worker.on('message', (m: { type: string; event?: ProgressEvent; result?: T; message?: string }) => {
      if (m.type === 'result' || m.type === 'error') idle();
      if (settled) return;
      if (m.type === 'progress' && m.event) onProgress?.(m.event);
      else if (m.type === 'message') onMessage?.(m.message ?? '');
      else if (m.type === 'result') {
        settled = true;
        resolve(m.result as T);
        void worker.terminate();
      } else if (m.type === 'error') {
        fail(Atomics.load(flag, 0) !== 0 && /cancel|stop/i.test(m.message ?? '') ? new JobCancelledError() : new Error(m.message));
      }
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        fail(new JobLimitError(`the ${job.kind} job ran out of memory and was stopped (worker heap limit ${limits.maxOldMb} MB; raise it with EQ_WORKER_MAX_MB)`));
      } else fail(e);
    });
    worker.on('exit', (code) => {
      idle();
      live.delete(kill);
      if (timer) clearTimeout(timer);
      fail(Atomics.load(flag, 0) !== 0 ? new JobCancelledError() : new Error(`worker stopped unexpectedly (exit code ${code})`));
    });
  });
  return {
    promise,
    stop: () => Atomics.store(flag, 0, 1),
    kill,
  };
}
