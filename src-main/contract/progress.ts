/** Progress of a calibration or evaluation job: what the worker sends and every UI shows. */
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
