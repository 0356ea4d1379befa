import type { ProgressEvent, ProgressSink } from '../../contract/progress.js';

export type { ProgressEvent, ProgressSink };

export class ProgressClock {
  private readonly t0 = Date.now();
  event(e: Omit<ProgressEvent, 'elapsedMs' | 'etaMs'>, weightDone?: number, weightTotal?: number): ProgressEvent {
    const elapsedMs = Date.now() - this.t0;
    const done = weightDone ?? e.index;
    const total = weightTotal ?? e.total;
    const etaMs = done > 0 ? (elapsedMs * (total - done)) / done : undefined;
    return { ...e, elapsedMs, etaMs };
  }
}
