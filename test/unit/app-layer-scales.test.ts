/** The graph page's side panel: one layer's scales in a run, summarised. */
import { expect, it } from 'vitest';
import { layerScales } from '../../src-main/app/layer-scales.js';
import type { ScaleTable } from '../../src-main/core/quant/scale-table.js';

const table = {
  bits: 8,
  qmax: 127,
  layers: [{ name: 'conv1', op: 'Conv', input: 'x', output: 'y', weight: 'w', weightScales: [254, 127, 508, 1270], inputScale: 12.7 }],
} as unknown as ScaleTable;

it('activation scale and clip threshold; weight scales and clip ranges as min / median / max', () => {
  const s = layerScales(table, 'conv1', { runId: 'r1', label: 'MinMax INT8' })!;
  expect(s).toEqual({
    runId: 'r1',
    label: 'MinMax INT8',
    inputScale: 12.7,
    threshold: 10,
    weightScales: { count: 4, min: 127, median: 381, max: 1270 },
    // clip = 127 / scale: 1, 0.5, 0.25, 0.1
    weightClip: { min: 0.1, median: 0.375, max: 1 },
  });
  expect(layerScales(table, 'conv9', { runId: 'r1', label: '' })).toBeNull();
});
