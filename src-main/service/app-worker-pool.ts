/**
 * Starts one worker thread per heavy job so the calling thread (Electron main or the web
 * server) never blocks. Bundled builds ship app-worker.js beside the bundle; unbundled runs
 * (tsx, tests) go through app-worker-boot.mjs, which loads the TypeScript entry.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ProgressEvent } from '../core/calib/progress.js';
import type { JobRequest } from './app-jobs.js';

function workerEntry(): URL {
  const bundled = new URL('./app-worker.js', import.meta.url);
  if (bundled.protocol === 'file:' && fs.existsSync(fileURLToPath(bundled))) return bundled;
  return new URL('./app-worker-boot.mjs', import.meta.url);
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

export function startJob<T>(job: JobRequest, onProgress?: (e: ProgressEvent) => void, onMessage?: (m: string) => void): JobHandle<T> {
  const stopFlag = new SharedArrayBuffer(4);
  const flag = new Int32Array(stopFlag);
  const worker = new Worker(workerEntry(), { workerData: { job, stopFlag }, stderr: false });
  let settled = false;
  const promise = new Promise<T>((resolve, reject) => {
    worker.on('message', (m: { type: string; event?: ProgressEvent; result?: T; message?: string }) => {
      if (m.type === 'progress' && m.event) onProgress?.(m.event);
      else if (m.type === 'message') onMessage?.(m.message ?? '');
      else if (m.type === 'result') {
        settled = true;
        resolve(m.result as T);
        void worker.terminate();
      } else if (m.type === 'error') {
        settled = true;
        reject(Atomics.load(flag, 0) !== 0 && /cancel|stop/i.test(m.message ?? '') ? new JobCancelledError() : new Error(m.message));
        void worker.terminate();
      }
    });
    worker.on('error', (e) => {
      if (!settled) reject(e);
      settled = true;
    });
    worker.on('exit', (code) => {
      if (!settled) reject(Atomics.load(flag, 0) !== 0 ? new JobCancelledError() : new Error(`worker stopped unexpectedly (exit code ${code})`));
      settled = true;
    });
  });
  return {
    promise,
    stop: () => Atomics.store(flag, 0, 1),
    kill: async () => {
      Atomics.store(flag, 0, 1);
      await worker.terminate();
    },
  };
}
