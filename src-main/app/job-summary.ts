/** One-line summaries of finished jobs (toasts, desktop notifications) and the stored form of output errors. */
import type { OutputError } from '../core/eval/output-metrics.js';
import type { EvalResultInfo, OutputErrorInfo } from '../contract/app-types.js';

const pct = (x: number | null) => (x === null ? null : `${(x * 100).toFixed(1)} %`);

/** e.g. "FP32 top-1 61.0 % · MinMax INT8 top-1 60.0 %, agreement 95.0 % (20 images)" */
export function evalSummary(results: EvalResultInfo[], evaluated: number): string {
  const latest = results.slice(-evaluated);
  const parts = latest.map((r) => {
    const figs = [
      r.top1 !== null ? `top-1 ${pct(r.top1)}` : null,
      r.agreement !== null ? `agreement ${pct(r.agreement)}` : null,
      r.agreement === null && r.meanCosine !== null ? `cosine ${r.meanCosine.toFixed(4)}` : null,
    ].filter(Boolean);
    return figs.length ? `${r.label} ${figs.join(', ')}` : r.label;
  });
  return `${parts.join(' · ')} (${latest[0]?.images ?? 0} images)`;
}

export function outputErrors(outputs: Record<string, OutputError>): Record<string, OutputErrorInfo> {
  return Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, { cosineMean: o.cosine_mean, cosineMin: o.cosine_min, sqnrDb: o.sqnr_db }]));
}
