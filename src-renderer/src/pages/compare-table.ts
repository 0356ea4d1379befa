/**
 * The Results page's side-by-side comparison: FP32 and the chosen runs as columns, their
 * evaluation figures, calibration time and settings as rows, each figure with its difference
 * to a baseline column; and the per-layer cosine of the columns with their difference.
 */
import type { EvalResultInfo, RunInfo } from '../../../src-main/contract/app-types';

export const FP32 = 'fp32';

export interface CompareColumn {
  /** run id, or FP32 */
  key: string;
  label: string;
  run: RunInfo | null;
  result: EvalResultInfo | null;
}

export type RowFormat = 'pct' | 'cos' | 'db' | 'seconds' | 'count' | 'text';

export interface CompareRow {
  key: string;
  label: string;
  section: 'accuracy' | 'outputs' | 'calibration' | 'settings';
  format: RowFormat;
  values: (number | string | null)[];
  /** value − baseline's value (numbers only; null where either is missing, and for the baseline itself) */
  deltas: (number | null)[];
  /** settings: the columns' values are not all the same */
  differs: boolean;
}

/** Columns in the order asked for; unknown keys are dropped. */
export function compareColumns(runs: RunInfo[], results: EvalResultInfo[], keys: string[]): CompareColumn[] {
  const cols: CompareColumn[] = [];
  for (const k of keys) {
    if (k === FP32) cols.push({ key: k, label: 'FP32', run: null, result: results.find((r) => r.runId === null) ?? null });
    else {
      const run = runs.find((r) => r.id === k);
      if (run) cols.push({ key: k, label: run.label, run, result: results.find((r) => r.runId === k) ?? null });
    }
  }
  return cols;
}

const num = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

export function deltas(values: (number | string | null)[], baseline: number): (number | null)[] {
  const b = values[baseline];
  return values.map((v, i) => (i === baseline || typeof v !== 'number' || typeof b !== 'number' ? null : v - b));
}

/**
 * Rows of the comparison. FP32 is the reference of agreement and cosines: its agreement and
 * mean cosine count as 1 (exactly what it is against itself), so deltas against an FP32
 * baseline read as the loss.
 */
export function compareRows(cols: CompareColumn[], baseline: number): CompareRow[] {
  const rows: CompareRow[] = [];
  // vsFp32: a figure measured against FP32, shown only when some run has it
  const metric = (key: string, label: string, section: CompareRow['section'], format: RowFormat, pick: (c: CompareColumn) => number | null, vsFp32 = false) => {
    const values = cols.map(pick);
    if (values.every((v, i) => v === null || (vsFp32 && cols[i]!.run === null))) return;
    rows.push({ key, label, section, format, values, deltas: deltas(values, baseline), differs: false });
  };
  const ref = (c: CompareColumn, v: number | null | undefined) => (c.run === null && c.result ? 1 : num(v));
  metric('top1', 'Top-1', 'accuracy', 'pct', (c) => num(c.result?.top1));
  metric('top5', 'Top-5', 'accuracy', 'pct', (c) => num(c.result?.top5));
  metric('agreement', 'Agreement with FP32', 'accuracy', 'pct', (c) => ref(c, c.result?.agreement), true);
  metric('meanCosine', 'Mean layer cosine', 'accuracy', 'cos', (c) => ref(c, c.result?.meanCosine), true);
  metric('images', 'Images evaluated', 'accuracy', 'count', (c) => num(c.result?.images));
  metric('heldOutFrom', 'Held-out from image #', 'accuracy', 'count', (c) => (c.result?.heldOutFrom == null ? null : c.result.heldOutFrom + 1));
  const outputs = [...new Set(cols.flatMap((c) => Object.keys(c.result?.outputs ?? {})))];
  for (const o of outputs) {
    metric(`out:${o}:cos`, `${o}: cosine (mean)`, 'outputs', 'cos', (c) => num(c.result?.outputs?.[o]?.cosineMean));
    metric(`out:${o}:sqnr`, `${o}: SQNR`, 'outputs', 'db', (c) => num(c.result?.outputs?.[o]?.sqnrDb));
  }
  metric('seconds', 'Calibration time', 'calibration', 'seconds', (c) => num(c.run?.seconds));
  const settingKeys = [...new Set(cols.flatMap((c) => Object.keys(c.run?.settings ?? {})))];
  for (const k of settingKeys) {
    const values = cols.map((c) => {
      const v = c.run ? (c.run.settings as unknown as Record<string, unknown>)[k] : undefined;
      return v === undefined || v === null ? null : typeof v === 'number' ? v : String(v);
    });
    const present = values.filter((v, i) => cols[i]!.run !== null).map((v) => JSON.stringify(v));
    rows.push({
      key: `set:${k}`,
      label: k,
      section: 'settings',
      format: typeof values.find((v) => v !== null) === 'number' ? 'count' : 'text',
      values,
      deltas: cols.map(() => null),
      differs: new Set(present).size > 1,
    });
  }
  return rows;
}

export function formatValue(v: number | string | null, f: RowFormat): string {
  if (v === null) return '–';
  if (typeof v === 'string') return v;
  switch (f) {
    case 'pct':
      return `${(v * 100).toFixed(2)} %`;
    case 'cos':
      return v.toFixed(5);
    case 'db':
      return `${v.toFixed(2)} dB`;
    case 'seconds':
      return `${v.toFixed(1)} s`;
    default:
      return String(v);
  }
}

/** A delta as the page shows it: percentage points for percentages, signed. */
export function formatDelta(d: number | null, f: RowFormat): string {
  if (d === null) return '';
  const sign = d > 0 ? '+' : d < 0 ? '−' : '±';
  const a = Math.abs(d);
  switch (f) {
    case 'pct':
      return `${sign}${(a * 100).toFixed(2)} pp`;
    case 'cos':
      return `${sign}${a.toFixed(5)}`;
    case 'db':
      return `${sign}${a.toFixed(2)} dB`;
    case 'seconds':
      return `${sign}${a.toFixed(1)} s`;
    case 'count':
      return d === 0 ? '' : `${sign}${a}`;
    default:
      return '';
  }
}

/** Lower is better for these rows (a negative delta is good). */
export const LOWER_IS_BETTER = new Set(['seconds']);

export interface LayerComparison {
  names: string[];
  /** one per column with per-layer values (FP32: 1 everywhere, it is the reference) */
  series: { key: string; label: string; values: (number | null)[] }[];
  /** each non-baseline column's cosine minus the baseline's, per layer */
  diffs: { key: string; label: string; values: (number | null)[] }[];
}

/** Per-layer cosines (evaluation) of the columns, in model order, and their difference to the baseline. */
export function layerComparison(cols: CompareColumn[], baseline: number, order: string[] = []): LayerComparison {
  const seen = new Set<string>();
  for (const c of cols) for (const n of Object.keys(c.result?.layerCosine ?? {})) seen.add(n);
  const rank = new Map(order.map((n, i) => [n, i]));
  const names = [...seen].sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity));
  const series = cols.map((c) => ({
    key: c.key,
    label: c.label,
    values: names.map((n) => (c.run === null ? (c.result ? 1 : null) : (c.result?.layerCosine[n] ?? null))),
  }));
  const base = series[baseline];
  const diffs = base
    ? series
        .filter((_, i) => i !== baseline)
        .map((s) => ({ key: s.key, label: `${s.label} − ${base.label}`, values: s.values.map((v, i) => (v === null || base.values[i] === null ? null : v - base.values[i]!)) }))
    : [];
  return { names, series: series.filter((s) => s.values.some((v) => v !== null)), diffs };
}
