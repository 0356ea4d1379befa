/**
 * worker_threads entry: runs one job (see app-jobs.ts) and posts progress, then the result or
 * the error message. Cancellation is a flag in a SharedArrayBuffer, because the job's
 * synchronous compute loops never yield to this thread's message queue.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setOrtStopCheck } from '../engines/ort-stop.js';
import { runJob, type JobRequest } from './jobs.js';

const { job, stopFlag } = workerData as { job: JobRequest; stopFlag: SharedArrayBuffer };
const flag = new Int32Array(stopFlag);
// slot 0: the stop flag; slot 1: onnxruntime calls in flight. The pool terminates a stopped job
// after a grace period, but never inside an onnxruntime call: a thread terminated there takes
// the process down (engines/ort-stop.ts)
setOrtStopCheck(() => Atomics.load(flag, 0) !== 0, flag.subarray(1, 2));

runJob(
  job,
  (e) => parentPort!.postMessage({ type: 'progress', event: e }),
  () => Atomics.load(flag, 0) !== 0,
  (message) => parentPort!.postMessage({ type: 'message', message }),
).then(
  (result) => parentPort!.postMessage({ type: 'result', result }),
  (err: unknown) => parentPort!.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
);
