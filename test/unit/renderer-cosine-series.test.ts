/** The Results page's per-layer cosine chart: per-layer names with evaluation values, groups only for the calibration's own. */
import { expect, it } from 'vitest';
import type { EvalResultInfo, RunInfo } from '../../src-main/contract/app-types.js';
import { cosineSeries } from '../../src-renderer/src/pages/cosine-series.js';

const run = (id: string, label: string, groups: [string, number][]) =>
  ({ id, label, layers: groups.map(([name, cosAfter], idx) => ({ idx, name, cosBefore: null, cosAfter })) }) as unknown as RunInfo;
const result = (runId: string | null, layerCosine: Record<string, number>) => ({ runId, layerCosine }) as unknown as EvalResultInfo;

const runs = [
  run('a', 'EQ INT8', [
    ['Conv_1', 0.99],
    ['Conv_5+Conv_7', 0.98],
    ['Conv_9', 0.97],
  ]),
  run('b', 'EQ INT7', [
    ['Conv_1', 0.95],
    ['Conv_5+Conv_7', 0.94],
    ['Conv_9', 0.93],
  ]),
];
const order = ['Conv_1', 'Conv_5', 'Conv_7', 'Conv_9'];

it('after evaluation: every layer of the evaluation on the axis, in model order, no point missing', () => {
  const results = [result(null, {}), result('a', { Conv_9: 0.9, Conv_1: 0.8, Conv_7: 0.7, Conv_5: 0.6 }), result('b', { Conv_1: 0.5, Conv_5: 0.4, Conv_7: 0.3, Conv_9: 0.2 })];
  const s = cosineSeries(runs, results, order);
  expect(s.source).toBe('evaluation');
  expect(s.names).toEqual(order);
  expect(s.series).toEqual([
    { runId: 'a', label: 'EQ INT8', values: [0.8, 0.6, 0.7, 0.9] },
    { runId: 'b', label: 'EQ INT7', values: [0.5, 0.4, 0.3, 0.2] },
  ]);
});

it('before evaluation: the calibration groups with their own values', () => {
  const s = cosineSeries(runs, [], order);
  expect(s.source).toBe('calibration');
  expect(s.names).toEqual(['Conv_1', 'Conv_5+Conv_7', 'Conv_9']);
  expect(s.series[1]!.values).toEqual([0.95, 0.94, 0.93]);
});
