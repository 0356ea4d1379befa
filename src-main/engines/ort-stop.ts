/**
 * Terminating a worker thread while onnxruntime-node is inside a call aborts the whole process:
 * its binding cannot deliver the error it gets from the dying thread and throws a C++ exception
 * (std::terminate; seen in the e2e demo when the app shut down during the GUI's histogram and
 * inspect jobs). A job worker installs its stop flag here, and every onnxruntime call goes
 * through ortCall(): it refuses to start once the job was asked to stop, and counts itself in a
 * shared slot while it runs, so the worker pool never terminates a thread inside one (it waits
 * for the call to return, however long a session creation takes on a loaded machine).
 */
let stopped: (() => boolean) | undefined;
let inFlight: Int32Array | undefined;

/**
 * The job's stop flag (worker threads) and the slot (index 0 of `busy`) that counts its
 * onnxruntime calls in flight; undefined: never stopped (CLI, tests).
 */
export function setOrtStopCheck(check: (() => boolean) | undefined, busy?: Int32Array): void {
  stopped = check;
  inFlight = busy;
}

/** One onnxruntime call (session creation or run): refused once the job was stopped, counted while it runs. */
export async function ortCall<T>(call: () => Promise<T>): Promise<T> {
  throwIfOrtStopped();
  if (inFlight) Atomics.add(inFlight, 0, 1);
  try {
    return await call();
  } finally {
    if (inFlight) {
      Atomics.sub(inFlight, 0, 1);
      Atomics.notify(inFlight, 0); // wakes the pool's kill(), waiting for the count to drop
    }
  }
}

/** Throws before an onnxruntime call once the job has been asked to stop. */
export function throwIfOrtStopped(): void {
  if (stopped?.()) throw new Error('cancelled: the job was stopped before its next onnxruntime run');
}
