/**
 * The per-layer cosine chart's x-axis and series. After an evaluation the values are per layer
 * (the evaluation's layer names, in model order); before, they are the calibration's, per
 * calibration group (layers sharing an input, named `Conv_5+Conv_7`). The two are never mixed
 * on one axis: group names against per-layer values left points missing.
 */
import type { EvalResultInfo, RunInfo } from '../../../src-main/contract/app-types';

export interface CosineSeries {
  source: 'evaluation' | 'calibration';
  names: string[];
  series: { runId: string; label: string; values: (number | null)[] }[];
}

/** `order`: the model's quantized layer names in execution order (when known). */
export function cosineSeries(runs: RunInfo[], results: EvalResultInfo[], order: string[] = []): CosineSeries {
  const evaluated = runs.map((r) => ({ run: r, ev: results.find((x) => x.runId === r.id) })).filter((x) => x.ev);
  if (evaluated.length) {
    const seen = new Set<string>();
    for (const { ev } of evaluated) for (const n of Object.keys(ev!.layerCosine)) seen.add(n);
    const rank = new Map(order.map((n, i) => [n, i]));
    const names = [...seen].sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity));
    return {
      source: 'evaluation',
      names,
      series: evaluated.map(({ run, ev }) => ({ runId: run.id, label: run.label, values: names.map((n) => ev!.layerCosine[n] ?? null) })),
    };
  }
  const names = runs[0]?.layers.map((l) => l.name) ?? [];
  return {
    source: 'calibration',
    names,
    series: runs.map((r) => ({ runId: r.id, label: r.label, values: names.map((n) => r.layers.find((l) => l.name === n)?.cosAfter ?? null) })),
  };
}
