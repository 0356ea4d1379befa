/**
 * The calibrator interface. Every method decides the scales of one layer group (layers
 * sharing an input tensor) at a time, in topological order, given the group's inputs as the
 * already-quantized network produces them; statistics-based methods simply ignore those.
 */
import type { LayerGroup } from '../quant/plan.js';
import type { CalibCapture } from './capture.js';
import type { EqBackend } from './eq-backend.js';
import type { ProgressSink } from './progress.js';
import type { CalibSettings } from './settings.js';

export interface GroupDecision {
  aScale: number;
  /** layer name → per-output-channel weight scales */
  wScales: Map<string, Float64Array>;
  /** group objective (mean cosine on the calibration set) before and after the search */
  cosBefore?: number;
  cosAfter?: number;
}

export interface CalibContext {
  settings: CalibSettings;
  qmax: number;
  capture: CalibCapture;
  /** 0-based index of the group and the number of groups (for progress) */
  groupIndex: number;
  groupCount: number;
  onProgress?: ProgressSink;
  /** EQ scoring back-end (native kernels or the TypeScript reference; default TypeScript) */
  eqBackend?: EqBackend;
}

export interface Calibrator {
  decide(group: LayerGroup, xs: Float32Array[], ctx: CalibContext): GroupDecision | Promise<GroupDecision>;
}

export function maxAbsWeightScales(wRows: Float32Array, cout: number, K: number, qmax: number): Float64Array {
  const s = new Float64Array(cout);
  for (let c = 0; c < cout; c++) {
    let m = 0;
    for (let k = 0; k < K; k++) m = Math.max(m, Math.abs(wRows[c * K + k]!));
    s[c] = m > 0 ? qmax / m : 1;
  }
  return s;
}

export function maxAbsWeightsForGroup(group: LayerGroup, qmax: number): Map<string, Float64Array> {
  const m = new Map<string, Float64Array>();
  for (const l of group.layers) m.set(l.name, maxAbsWeightScales(l.wRows, l.geom.cout, l.geom.K, qmax));
  return m;
}
