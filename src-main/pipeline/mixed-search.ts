/**
 * `easyquant search`: per-layer-group INT7 / INT8 / FP32 chosen to minimise latency under an
 * accuracy budget (or the reverse), with a latency model measured on this machine's native
 * runtime or read from a board's per-layer profile. Writes the evaluated points with their Pareto
 * front (pareto.json) and the chosen configuration as a --layer-bits-file (layer-bits.json).
 */
import fs from 'node:fs';
import path from 'node:path';
import { searchMixedPrecision, type Budget, type SearchConfig } from '../core/quant/mixed-search.js';
import { groupId, layerMapOf, mixedTable } from '../core/quant/mixed-table.js';
import { planQuantization } from '../core/quant/plan.js';
import { accuracyThreshold, parseAccuracyBudget, parseLatencyBudget, type AccuracyMetric } from '../core/quant/search-budget.js';
import type { LayerPrecisionMap } from '../core/quant/layer-precision.js';
import { writeFileAtomically } from '../io/atomic-write.js';
import { hostProfile, interleavedMedians, type TimingOptions } from './mixed/host-latency.js';
import { layerKernels, readProfileSet, unitsFromProfiles, type ProfileSet } from './mixed/latency-model.js';
import { SearchImages, type Scores } from './mixed/search-images.js';
import { prepareData, prepareModel, type DataSource, type ModelSource } from './model-setup.js';
import { loadScalesFor } from './quantize.js';

export interface MixedSearchRequest extends ModelSource, DataSource, TimingOptions {
  scalesInt8: string;
  scalesInt7: string;
  /** e.g. agreement>=0.95, top1>=0.99*fp32 (exactly one of budget / latencyBudget) */
  budget?: string;
  /** ms; the search maximises `metric` within it */
  latencyBudget?: string;
  metric?: AccuracyMetric;
  /** images at the start of the data used for calibration (skipped) */
  calibImages: number;
  searchImages: number;
  /** a board's per-layer profiles (readProfileSet); default: measured here */
  profile?: string;
  /** write the host profiles used to this file (same format as --profile) */
  saveProfile?: string;
  out: string;
}

export interface MixedPoint extends Scores {
  latencyMs: number;
  /** measured end to end on this machine (interleaved), for the front and the all-INT8 model */
  measuredMs?: number;
  accuracy: number;
  step: string;
  layerBits: LayerPrecisionMap;
  /**
   * per layer, the kernel its time came from: the runtime's per-layer choice (autotuned at load
   * on the profiled machine or board) at the layer's precision; absent where a profile names none
   */
  layerKernels: Record<string, string>;
}

export interface MixedSearchResult {
  model: string;
  latencySource: string;
  metric: AccuracyMetric;
  budget: { kind: 'accuracy'; min: number; spec: string } | { kind: 'latency'; maxMs: number };
  searchImages: number;
  fp32Top1: number | null;
  allInt8: MixedPoint;
  points: MixedPoint[];
  front: number[];
  chosen: number | null;
  /** when nothing quantized meets the budget: the most accurate point without FP32 groups */
  closest: number | null;
  files: { pareto: string; layerBits: string | null };
}

export type SearchProgress = (m: { stage: 'load' | 'profile' | 'search' | 'measure'; index: number; total: number; message: string }) => void;

export { parseAccuracyBudget, parseLatencyBudget };

const key = (c: SearchConfig) => Object.values(c).join(',');

export async function runMixedSearch(req: MixedSearchRequest, onProgress: SearchProgress = () => {}, warn: (m: string) => void = () => {}): Promise<MixedSearchResult> {
  if ((req.budget === undefined) === (req.latencyBudget === undefined)) throw new Error('search needs exactly one of --budget (accuracy) and --latency-budget (ms)');
  const acc = req.budget !== undefined ? parseAccuracyBudget(req.budget) : undefined;
  const maxMs = req.latencyBudget !== undefined ? parseLatencyBudget(req.latencyBudget) : undefined;
  const metric: AccuracyMetric = acc?.metric ?? req.metric ?? 'agreement';
  const p = prepareModel(req);
  const t8 = loadScalesFor(p, req.scalesInt8);
  const t7 = loadScalesFor(p, req.scalesInt7);
  const groups = planQuantization(p.model.graph).groups;
  const uniform = (prec: 'int8' | 'int7' | 'fp32'): SearchConfig => Object.fromEntries(groups.map((g) => [groupId(g), prec]));
  const tableOf = (c: SearchConfig) => mixedTable(p.model.graph, groups, t8, t7, c);

  onProgress({ stage: 'profile', index: 0, total: 3, message: req.profile ? `reading ${req.profile}` : 'profiling INT8, INT7, FP32 on this machine' });
  let set: ProfileSet;
  if (req.profile) set = readProfileSet(req.profile);
  else {
    set = { int8: hostProfile(p, tableOf(uniform('int8')), req), int7: hostProfile(p, tableOf(uniform('int7')), req) };
    try {
      // the runtime's FP32 fallback is a plain reference loop: a couple of runs show its cost
      set.fp32 = hostProfile(p, tableOf(uniform('fp32')), { ...req, runs: Math.min(req.runs, 2), warmup: 0 });
    } catch (e) {
      warn(`no FP32 profile (layers stay quantized): ${(e as Error).message}`);
    }
    if (req.saveProfile) writeFileAtomically(req.saveProfile, `${JSON.stringify(set, null, 1)}\n`);
  }
  const { units, baseMs } = unitsFromProfiles(groups, set, req.profile ?? 'host profile');

  onProgress({ stage: 'load', index: 0, total: req.searchImages, message: 'decoding the search images, FP32 reference' });
  const ds = await prepareData(p, req, warn);
  const imgs = await SearchImages.load(p, ds, req.calibImages, req.searchImages);
  const threshold = acc ? accuracyThreshold(acc, imgs.fp32Top1) : undefined;
  const budget: Budget = threshold !== undefined ? { kind: 'accuracy', min: threshold } : { kind: 'latency', maxMs: maxMs! };
  const scores = new Map<string, Scores>();
  const scoreOf = (c: SearchConfig): Scores => {
    let s = scores.get(key(c));
    if (!s) scores.set(key(c), (s = imgs.score(tableOf(c))));
    return s;
  };
  const metricOf = (s: Scores): number => {
    if (metric === 'top1' && s.top1 === null) throw new Error('top1 needs labelled images (no labels found); use agreement');
    return metric === 'top1' ? s.top1! : s.agreement;
  };
  const res = await searchMixedPrecision({
    units,
    baseMs,
    budget,
    accuracy: async (c) => metricOf(scoreOf(c)),
    onStep: (i, total, pt) => onProgress({ stage: 'search', index: i, total, message: `${pt.step}: ${pt.latencyMs.toFixed(3)} ms, ${metric} ${pt.accuracy.toFixed(4)}` }),
  });
  const kernelsOf = layerKernels(set);
  const points: MixedPoint[] = res.points.map((pt) => {
    const layerBits = layerMapOf(groups, pt.config);
    return { ...scoreOf(pt.config), latencyMs: pt.latencyMs, accuracy: pt.accuracy, step: pt.step, layerBits, layerKernels: kernelsOf(layerBits) };
  });
  const c8 = uniform('int8');
  const s8 = scoreOf(c8);
  const bits8 = layerMapOf(groups, c8);
  const allInt8: MixedPoint = {
    ...s8,
    latencyMs: units.reduce((a, u) => a + u.ms.int8!, baseMs),
    accuracy: metricOf(s8),
    step: 'all INT8',
    layerBits: bits8,
    layerKernels: kernelsOf(bits8),
  };

  onProgress({ stage: 'measure', index: 0, total: res.front.length + 1, message: 'measuring the front and the all-INT8 model (interleaved)' });
  const measured = interleavedMedians(p, [c8, ...res.front.map((i) => res.points[i]!.config)].map(tableOf), req);
  allInt8.measuredMs = measured[0];
  res.front.forEach((i, k) => (points[i]!.measuredMs = measured[k + 1]));

  fs.mkdirSync(req.out, { recursive: true });
  const layerBitsFile = res.chosen !== null ? path.join(req.out, 'layer-bits.json') : null;
  const result: MixedSearchResult = {
    model: req.model,
    latencySource: req.profile ? `profile ${req.profile}` : `host native runtime (${set.int8!.isa}${req.isa ? ' forced' : ''}, ${req.threads} thread${req.threads > 1 ? 's' : ''})`,
    metric,
    budget: budget.kind === 'accuracy' ? { ...budget, spec: req.budget! } : budget,
    searchImages: imgs.count,
    fp32Top1: imgs.fp32Top1,
    allInt8,
    points,
    front: res.front,
    chosen: res.chosen,
    closest: res.closest,
    files: { pareto: path.join(req.out, 'pareto.json'), layerBits: layerBitsFile },
  };
  if (layerBitsFile) writeFileAtomically(layerBitsFile, `${JSON.stringify(points[res.chosen!]!.layerBits, null, 1)}\n`);
  // nothing chosen: a layer-bits.json of an earlier search in this folder would contradict pareto.json
  else fs.rmSync(path.join(req.out, 'layer-bits.json'), { force: true });
  writeFileAtomically(result.files.pareto, `${JSON.stringify(result, null, 1)}\n`);
  return result;
}
