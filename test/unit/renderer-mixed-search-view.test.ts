/** The mixed-precision search card's view of a result: the closest point when nothing meets the budget. */
import { expect, it } from 'vitest';
import type { MixedSearchInfo, MixedSearchPointInfo } from '../../src-main/contract/app-types.js';
import { describeBits, searchOutcome, searchSeries } from '../../src-renderer/src/components/mixed-search-view.js';

const point = (latencyMs: number, accuracy: number, layerBits: MixedSearchPointInfo['layerBits']): MixedSearchPointInfo => ({
  latencyMs,
  accuracy,
  agreement: accuracy,
  top1: null,
  step: 's',
  layerBits,
  layerKernels: {},
});
const points = [point(2, 0.97, { a: 'int8', b: 'int8' }), point(1.5, 0.95, { a: 'int7', b: 'int8' }), point(4, 0.999, { a: 'fp32', b: 'int8' })];
const result = (chosen: number | null, closest: number | null): MixedSearchInfo => ({
  projectId: 'p',
  runInt8: 'r8',
  runInt7: 'r7',
  budget: 'agreement>=1',
  metric: 'agreement',
  latencySource: 'model',
  searchImages: 8,
  fp32Top1: null,
  allInt8: points[0]!,
  points,
  front: [1, 0, 2],
  chosen,
  closest,
  createdAt: '',
});

it('names the closest quantized point and marks it on the chart when no point meets the budget', () => {
  const r = result(null, 0);
  expect(searchOutcome(r)).toBe('No configuration meets the budget; closest: all INT8, agreement 97.00 %, latency 2.000 ms.');
  const s = searchSeries(r);
  expect(s.closest).toEqual([[2, 97, 0]]);
  expect(s.chosen).toEqual([]);
  expect(s.all).toHaveLength(3);
  expect(s.front.map((p) => p[2])).toEqual([1, 0, 2]);
});

it('shows the chosen point, and no closest one, when the budget is met', () => {
  const r = result(1, null);
  expect(searchOutcome(r)).toBe('Chosen: 1.500 ms, 95.00 %.');
  expect(searchSeries(r)).toMatchObject({ chosen: [[1.5, 95, 1]], closest: [] });
});

it('still says the budget is not met when there is no quantized point at all', () => {
  expect(searchOutcome(result(null, null))).toBe('No configuration meets the budget.');
  expect(searchSeries(null)).toEqual({ all: [], front: [], chosen: [], closest: [] });
});

it('describes the precision mix of a point', () => {
  expect(describeBits(points[0]!)).toBe('all INT8');
  expect(describeBits(point(1, 1, { a: 'int7' }))).toBe('all INT7');
  expect(describeBits(points[1]!)).toBe('1 INT7, 1 INT8');
  expect(describeBits(points[2]!)).toBe('1 INT8, 1 FP32');
});
