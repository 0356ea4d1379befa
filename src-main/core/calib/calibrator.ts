/**
 * The calibrator interface. Every method decides the scales of one layer group (layers
 * sharing an input tensor) at a time, in topological order, given the group's inputs as the
 * already-quantized network produces them; statistics-based methods simply ignore those.
 */
import type { LayerGroup } from '../quant/plan.js';
import { NEGLIGIBLE_MAX_ABS } from '../quant/rounding.js';
import type { CalibCapture } from './capture-types.js';
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
  /** polled by long searches (the TypeScript back-end, between channels and candidates) */
  shouldStop?: () => boolean;
}

export interface Calibrator {
  decide(group: LayerGroup, xs: Float32Array[], ctx: CalibContext): GroupDecision | Promise<GroupDecision>;
}

/** Output channels whose weights are all below this magnitude count as dead. */
export const DEAD_WEIGHT_MAX = NEGLIGIBLE_MAX_ABS;

function channelMaxAbs(wRows: Float32Array, cout: number, K: number): Float64Array {
  const m = new Float64Array(cout);
  for (let c = 0; c < cout; c++) {
    let v = 0;
    for (let k = 0; k < K; k++) v = Math.max(v, Math.abs(wRows[c * K + k]!));
    m[c] = v;
  }
  return m;
}

/** Output channels whose weights are all ~0 (max |w| < DEAD_WEIGHT_MAX, NaN-free weights assumed). */
export function deadChannels(wRows: Float32Array, cout: number, K: number): number[] {
  const out: number[] = [];
  channelMaxAbs(wRows, cout, K).forEach((m, c) => {
    if (!(m >= DEAD_WEIGHT_MAX)) out.push(c);
  });
  return out;
}

/**
 * Per-channel max-abs weight scales qmax / max|w|. A dead channel gets the median scale of the
 * layer's live channels (1 when none is live): finite, quantizes its weights to 0, and keeps its
 * bias (quantized with S_a * S_w) as precise as the other channels' without reaching the int32 clamp.
 */
export function maxAbsWeightScales(wRows: Float32Array, cout: number, K: number, qmax: number): Float64Array {
  const m = channelMaxAbs(wRows, cout, K);
  const s = new Float64Array(cout);
  const live: number[] = [];
  for (let c = 0; c < cout; c++) {
    if (m[c]! >= DEAD_WEIGHT_MAX) {
      s[c] = qmax / m[c]!;
      live.push(s[c]!);
    }
  }
  live.sort((a, b) => a - b);
  const fill = live.length ? live[(live.length - 1) >> 1]! : 1;
  for (let c = 0; c < cout; c++) if (!(m[c]! >= DEAD_WEIGHT_MAX)) s[c] = fill;
  return s;
}

export function maxAbsWeightsForGroup(group: LayerGroup, qmax: number): Map<string, Float64Array> {
  const m = new Map<string, Float64Array>();
  for (const l of group.layers) m.set(l.name, maxAbsWeightScales(l.wRows, l.geom.cout, l.geom.K, qmax));
  return m;
}
