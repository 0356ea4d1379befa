/** What the mixed-precision search card shows of a precision.search result: chart series and the summary line. */
import type { MixedSearchInfo, MixedSearchPointInfo } from '../../../src-main/contract/app-types';

// charts.ts pulls in ECharts; this file stays plain so unit tests can load it
const fmtPct = (x: number): string => `${(x * 100).toFixed(2)} %`;

/** [latency ms, accuracy %, point index] */
export type SearchPlotPoint = [number, number, number];

export interface SearchSeries {
  all: SearchPlotPoint[];
  front: SearchPlotPoint[];
  chosen: SearchPlotPoint[];
  /** the closest quantized point when nothing met the budget */
  closest: SearchPlotPoint[];
}

export function searchSeries(r: MixedSearchInfo | null): SearchSeries {
  if (!r) return { all: [], front: [], chosen: [], closest: [] };
  const pt = (i: number): SearchPlotPoint => [r.points[i]!.latencyMs, r.points[i]!.accuracy * 100, i];
  const one = (i: number | null) => (i === null ? [] : [pt(i)]);
  return { all: r.points.map((_, i) => pt(i)), front: r.front.map(pt), chosen: one(r.chosen), closest: r.chosen === null ? one(r.closest) : [] };
}

/** "all INT8", "all INT7" or "3 INT7, 5 INT8" (layer groups) */
export function describeBits(p: MixedSearchPointInfo): string {
  const bits = Object.values(p.layerBits);
  const n = (v: string) => bits.filter((b) => b === v).length;
  if (bits.length && n('int8') === bits.length) return 'all INT8';
  if (bits.length && n('int7') === bits.length) return 'all INT7';
  return (
    (['int7', 'int8', 'fp32'] as const)
      .filter((v) => n(v) > 0)
      .map((v) => `${n(v)} ${v.toUpperCase()}`)
      .join(', ') || 'no layers'
  );
}

export function searchOutcome(r: MixedSearchInfo): string {
  if (r.chosen !== null) {
    const c = r.points[r.chosen]!;
    return `Chosen: ${c.latencyMs.toFixed(3)} ms, ${fmtPct(c.accuracy)}.`;
  }
  const c = r.closest === null ? undefined : r.points[r.closest];
  if (!c) return 'No configuration meets the budget.';
  return `No configuration meets the budget; closest: ${describeBits(c)}, ${r.metric} ${fmtPct(c.accuracy)}, latency ${c.latencyMs.toFixed(3)} ms.`;
}
