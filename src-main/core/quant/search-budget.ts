/** The mixed-precision search's budgets: `agreement>=0.95`, `top1>=0.99*fp32`, `top1>=0.6`; `--latency-budget 3.5` (ms). */
export type AccuracyMetric = 'agreement' | 'top1';

export interface AccuracyBudget {
  metric: AccuracyMetric;
  /** absolute threshold, or a factor of the FP32 top-1 on the same images when relative */
  value: number;
  relative: boolean;
}

export function parseAccuracyBudget(spec: string): AccuracyBudget {
  const m = /^\s*(agreement|top1)\s*>=\s*([0-9]*\.?[0-9]+)\s*(\*\s*fp32)?\s*$/i.exec(spec);
  if (!m) throw new Error(`--budget '${spec}': expected agreement>=X or top1>=X or top1>=X*fp32 (X a number, e.g. agreement>=0.95, top1>=0.99*fp32)`);
  const metric = m[1]!.toLowerCase() as AccuracyMetric;
  const value = Number(m[2]);
  const relative = m[3] !== undefined;
  if (relative && metric !== 'top1') throw new Error(`--budget '${spec}': *fp32 applies to top1 only (agreement is already relative to FP32)`);
  if (!(value > 0) || (!relative && value > 1) || (relative && value > 1.5))
    throw new Error(`--budget '${spec}': ${value} is out of range (${relative ? '0..1.5 times FP32' : '0..1'})`);
  return { metric, value, relative };
}

export function parseLatencyBudget(spec: string): number {
  const v = Number(spec.trim().replace(/ms$/i, ''));
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--latency-budget '${spec}': expected a positive number of milliseconds`);
  return v;
}

/** The absolute minimum for the metric (relative budgets scale the FP32 top-1). */
export function accuracyThreshold(b: AccuracyBudget, fp32Top1: number | null): number {
  if (!b.relative) return b.value;
  if (fp32Top1 === null) throw new Error('--budget top1>=X*fp32 needs labelled images (no labels found)');
  return b.value * fp32Top1;
}
