/**
 * Terminating a worker thread while onnxruntime-node is inside a call aborts the whole process:
 * its binding cannot deliver the error it gets from the dying thread and throws a C++ exception
 * (std::terminate; seen in the e2e demo when the app shut down during the GUI's histogram job).
 * A job worker installs its stop flag here, and every onnxruntime call site checks it first, so
 * a stopped job ends between two runs, within the worker pool's grace period, instead of being
 * terminated in one.
 */
let stopped: (() => boolean) | undefined;

/** The job's stop flag (worker threads); undefined: never stopped (CLI, tests). */
export function setOrtStopCheck(check: (() => boolean) | undefined): void {
  stopped = check;
}

/** Throws before an onnxruntime call once the job has been asked to stop. */
export function throwIfOrtStopped(): void {
  if (stopped?.()) throw new Error('cancelled: the job was stopped before its next onnxruntime run');
}
