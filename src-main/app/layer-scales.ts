/** One layer's scales in a run's scales.json, summarised for the graph page's side panel. */
import type { LayerScalesInfo } from '../contract/app-types.js';
import type { ScaleTable } from '../core/quant/scale-table.js';

function median(sorted: number[]): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

export function layerScales(table: ScaleTable, layer: string, run: { runId: string; label: string }): LayerScalesInfo | null {
  const l = table.layers.find((x) => x.name === layer);
  if (!l) return null;
  const ws = [...l.weightScales].sort((a, b) => a - b);
  const clip = ws.map((s) => table.qmax / s).reverse();
  return {
    ...run,
    inputScale: l.inputScale,
    threshold: table.qmax / l.inputScale,
    weightScales: { count: ws.length, min: ws[0]!, median: median(ws), max: ws[ws.length - 1]! },
    weightClip: { min: clip[0]!, median: median(clip), max: clip[clip.length - 1]! },
  };
}
