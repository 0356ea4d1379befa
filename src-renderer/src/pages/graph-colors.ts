/**
 * Node colours of the graph page: a per-layer metric from a calibration run (cosine after
 * calibration, per calibration group) or an evaluation (cosine per layer), shown as cosine or
 * as SQNR. Per-layer SQNR is derived from the cosine, taking the quantization error as
 * uncorrelated with the signal: cos² = S/(S+N), so SQNR = cos²/(1−cos²).
 */
import type { EvalResultInfo, GraphNodeInfo, RunInfo } from '../../../src-main/contract/app-types';

export type GraphMetric = 'cosine' | 'sqnr';

export interface ColorSource {
  key: string;
  label: string;
  /** cosine of a node, or null where the source has none */
  cosine: (n: GraphNodeInfo) => number | null;
}

export function colorSources(runs: RunInfo[], results: EvalResultInfo[]): ColorSource[] {
  const out: ColorSource[] = [];
  for (const r of results) {
    if (!r.runId || !Object.keys(r.layerCosine).length) continue;
    out.push({ key: `eval:${r.id}`, label: `${r.label}: evaluation (${r.engine}, ${r.images} images)`, cosine: (n) => r.layerCosine[n.id] ?? null });
  }
  for (const r of runs) {
    // MinMax, KL and percentile runs measure no per-group cosine: only an evaluation can colour them
    if (r.status !== 'done' || !r.layers.some((l) => l.cosAfter !== null)) continue;
    const byGroup = new Map(r.layers.map((l) => [l.name, l.cosAfter]));
    out.push({ key: `run:${r.id}`, label: `${r.label}: calibration (per group)`, cosine: (n) => (n.group ? (byGroup.get(n.group) ?? null) : null) });
  }
  return out;
}

/** SQNR in dB implied by a cosine; Infinity at cosine 1. */
export function sqnrFromCosine(c: number): number {
  const c2 = Math.min(1, c * c);
  return c2 >= 1 ? Infinity : 10 * Math.log10(c2 / (1 - c2));
}

export function metricValue(cos: number | null, metric: GraphMetric): number | null {
  if (cos === null) return null;
  return metric === 'cosine' ? cos : sqnrFromCosine(cos);
}

export function formatMetric(v: number | null, metric: GraphMetric): string {
  if (v === null) return '–';
  if (metric === 'cosine') return `cos ${v.toFixed(5)}`;
  return Number.isFinite(v) ? `SQNR ${v.toFixed(1)} dB` : 'SQNR ∞';
}

/** The colour scale runs over SQNR 10..40 dB (cosine 0.9535..0.99995), red to green. */
export const SQNR_RED = 10;
export const SQNR_GREEN = 40;

export function colorFor(cos: number | null): string {
  if (cos === null) return '#ffffff';
  const t = Math.max(0, Math.min(1, (sqnrFromCosine(cos) - SQNR_RED) / (SQNR_GREEN - SQNR_RED)));
  // hue 0 (red) → 130 (green)
  return `hsl(${Math.round(t * 130)}, 65%, ${Math.round(62 - t * 10)}%)`;
}

export const FP32_FILL = '#e4e7ec';
