/** The graph page's node colours: sources (evaluations per layer, runs per group), cosine vs SQNR. */
import { expect, it } from 'vitest';
import type { EvalResultInfo, GraphNodeInfo, RunInfo } from '../../src-main/contract/app-types.js';
import { colorFor, colorSources, formatMetric, metricValue, sqnrFromCosine } from '../../src-renderer/src/pages/graph-colors.js';

const node = (id: string, group: string | null) => ({ id, group }) as GraphNodeInfo;
const run = { id: 'r1', label: 'MinMax INT8', status: 'done', layers: [{ idx: 0, name: 'c2+c3', cosBefore: 0.9, cosAfter: 0.99 }] } as unknown as RunInfo;
const failed = { ...run, id: 'r2', status: 'failed' } as RunInfo;
const minmax = { ...run, id: 'r3', layers: [{ idx: 0, name: 'c2+c3', cosBefore: null, cosAfter: null }] } as RunInfo;
const fp32 = { id: 'e0', runId: null, label: 'FP32', engine: 'fp32', images: 10, layerCosine: {} } as unknown as EvalResultInfo;
const ev = { id: 'e1', runId: 'r1', label: 'MinMax INT8', engine: 'native', images: 10, layerCosine: { c2: 0.999, c3: 0.98 } } as unknown as EvalResultInfo;

it('evaluations colour per layer, runs per calibration group; FP32 results, unfinished runs and runs without cosines are no source', () => {
  const s = colorSources([run, failed, minmax], [fp32, ev]);
  expect(s.map((x) => x.key)).toEqual(['eval:e1', 'run:r1']);
  expect(s[0]!.cosine(node('c3', 'c2+c3'))).toBe(0.98);
  expect(s[0]!.cosine(node('relu', null))).toBeNull();
  expect(s[1]!.cosine(node('c3', 'c2+c3'))).toBe(0.99);
  expect(s[1]!.cosine(node('c9', 'c9'))).toBeNull();
});

it('SQNR from cosine: cos² / (1 − cos²) in dB', () => {
  // cos² = 0.5 → S = N → 0 dB; cos² = 100/101 → 20 dB
  expect(sqnrFromCosine(Math.SQRT1_2)).toBeCloseTo(0, 9);
  expect(sqnrFromCosine(Math.sqrt(100 / 101))).toBeCloseTo(20, 9);
  expect(sqnrFromCosine(1)).toBe(Infinity);
  expect(metricValue(0.5, 'cosine')).toBe(0.5);
  expect(formatMetric(metricValue(Math.sqrt(100 / 101), 'sqnr'), 'sqnr')).toBe('SQNR 20.0 dB');
  expect(formatMetric(null, 'sqnr')).toBe('–');
});

it('colours run from red (≤ 10 dB) to green (≥ 40 dB); no value is white', () => {
  expect(colorFor(0.5)).toBe('hsl(0, 65%, 62%)');
  expect(colorFor(1)).toBe('hsl(130, 65%, 52%)');
  // 25 dB: halfway
  expect(colorFor(Math.sqrt(10 ** 2.5 / (1 + 10 ** 2.5)))).toBe('hsl(65, 65%, 57%)');
  expect(colorFor(null)).toBe('#ffffff');
});
