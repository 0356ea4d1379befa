/** Structured progress events, rendered as a bar by the CLI and as a list by the GUI. */
export interface ProgressEvent {
  stage: 'capture' | 'statistics' | 'search' | 'evaluate';
  /** 1-based index of the current item (layer group or image) and the total */
  index: number;
  total: number;
  /** layer (or group) name, or image id */
  name: string;
  phase?: 'weights' | 'activations';
  cosBefore?: number;
  cosAfter?: number;
  elapsedMs: number;
  etaMs?: number;
}

export type ProgressSink = (e: ProgressEvent) => void;

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
