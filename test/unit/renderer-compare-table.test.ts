/** The Results page's run comparison: columns, figures, deltas against a baseline, differing settings, per-layer differences. */
import { describe, expect, it } from 'vitest';
import type { EvalResultInfo, RunInfo } from '../../src-main/contract/app-types.js';
import { compareColumns, compareRows, deltas, formatDelta, FP32, layerComparison } from '../../src-renderer/src/pages/compare-table.js';

const settings = (bits: number, calibImages: number) => ({
  method: 'minmax',
  bits,
  alpha: 0.5,
  beta: 2,
  steps: 100,
  rounds: 1,
  samplePositions: 64,
  percentile: 99.99,
  calibImages,
  threads: 2,
  strategy: 'grid',
});
const run = (id: string, label: string, bits: number, seconds: number, calibImages = 8) =>
  ({ id, label, bits, seconds, settings: settings(bits, calibImages) }) as unknown as RunInfo;
const result = (runId: string | null, f: Partial<EvalResultInfo>) =>
  ({
    id: `e-${runId}`,
    runId,
    label: '',
    engine: 'native',
    images: 20,
    top1: null,
    top5: null,
    agreement: null,
    meanCosine: null,
    layerCosine: {},
    heldOutFrom: 8,
    ...f,
  }) as EvalResultInfo;

const runs = [run('a', 'MinMax INT8', 8, 1.5), run('b', 'MinMax INT7', 7, 1.25)];
const results = [
  result(null, { top1: 0.6, top5: 0.85 }),
  result('a', {
    top1: 0.55,
    top5: 0.85,
    agreement: 0.9,
    meanCosine: 0.999,
    layerCosine: { c2: 0.99, c1: 0.999 },
    outputs: { prob: { cosineMean: 0.98, cosineMin: 0.9, sqnrDb: 20 } },
  }),
  result('b', {
    top1: 0.5,
    top5: 0.8,
    agreement: 0.75,
    meanCosine: 0.99,
    layerCosine: { c1: 0.995, c2: 0.95 },
    outputs: { prob: { cosineMean: 0.95, cosineMin: 0.8, sqnrDb: 14.5 } },
  }),
];
const row = (rows: ReturnType<typeof compareRows>, key: string) => rows.find((r) => r.key === key)!;

describe('run comparison', () => {
  const cols = compareColumns(runs, results, [FP32, 'a', 'b', 'gone']);

  it('columns: FP32 and the runs asked for, with their results; unknown ids dropped', () => {
    expect(cols.map((c) => [c.label, c.result?.id ?? null])).toEqual([
      ['FP32', 'e-null'],
      ['MinMax INT8', 'e-a'],
      ['MinMax INT7', 'e-b'],
    ]);
  });

  it('deltas against the FP32 baseline; FP32 is 1 for agreement and cosine', () => {
    const rows = compareRows(cols, 0);
    expect(row(rows, 'top1').values).toEqual([0.6, 0.55, 0.5]);
    expect(row(rows, 'top1').deltas[0]).toBeNull();
    expect(row(rows, 'top1').deltas[1]).toBeCloseTo(-0.05, 12);
    expect(row(rows, 'top1').deltas[2]).toBeCloseTo(-0.1, 12);
    expect(row(rows, 'agreement').values).toEqual([1, 0.9, 0.75]);
    expect(row(rows, 'agreement').deltas.map((d) => d && +d.toFixed(12))).toEqual([null, -0.1, -0.25]);
    expect(row(rows, 'seconds').values).toEqual([null, 1.5, 1.25]);
    expect(row(rows, 'seconds').deltas).toEqual([null, null, null]);
    expect(row(rows, 'heldOutFrom').values).toEqual([9, 9, 9]);
  });

  it('deltas against a run baseline, per-output cosine and SQNR', () => {
    const rows = compareRows(cols, 1);
    expect(row(rows, 'top1').deltas.map((d) => d && +d.toFixed(12))).toEqual([0.05, null, -0.05]);
    expect(row(rows, 'seconds').deltas).toEqual([null, null, -0.25]);
    expect(row(rows, 'out:prob:sqnr').values).toEqual([null, 20, 14.5]);
    expect(row(rows, 'out:prob:sqnr').deltas).toEqual([null, null, -5.5]);
    expect(row(rows, 'out:prob:cos').deltas[2]).toBeCloseTo(-0.03, 12);
  });

  it('settings that differ between the runs are flagged (FP32 has none)', () => {
    const rows = compareRows(cols, 0);
    expect(row(rows, 'set:bits')).toMatchObject({ values: [null, 8, 7], differs: true });
    expect(row(rows, 'set:method')).toMatchObject({ values: [null, 'minmax', 'minmax'], differs: false });
    expect(rows.filter((r) => r.differs).map((r) => r.key)).toEqual(['set:bits']);
  });

  it('figures measured against FP32 are left out when no run has them (not evaluated yet)', () => {
    const rows = compareRows(compareColumns(runs, [results[0]!], [FP32, 'a']), 0);
    expect(rows.map((r) => r.key)).not.toContain('agreement');
    expect(row(rows, 'top1').values).toEqual([0.6, null]);
  });

  it('per-layer cosines in model order, FP32 as 1, and the differences to the baseline', () => {
    const l = layerComparison(cols, 1, ['c1', 'c2']);
    expect(l.names).toEqual(['c1', 'c2']);
    expect(l.series.map((s) => s.values)).toEqual([
      [1, 1],
      [0.999, 0.99],
      [0.995, 0.95],
    ]);
    expect(l.diffs.map((d) => d.label)).toEqual(['FP32 − MinMax INT8', 'MinMax INT7 − MinMax INT8']);
    expect(l.diffs[1]!.values.map((v) => +v!.toFixed(12))).toEqual([-0.004, -0.04]);
  });

  it('formats deltas: percentage points, signed', () => {
    expect(formatDelta(-0.05, 'pct')).toBe('−5.00 pp');
    expect(formatDelta(0.0123, 'pct')).toBe('+1.23 pp');
    expect(formatDelta(0, 'db')).toBe('±0.00 dB');
    expect(formatDelta(0, 'count')).toBe('');
    expect(formatDelta(-3, 'count')).toBe('−3');
    expect(deltas([1, 'x', null, 3], 0)).toEqual([null, null, null, 2]);
  });
});
