/**
 * HAGO-style mixed-precision search (pure: no files, no engines). The units are the plan's layer
 * groups (layers sharing an input share a scale, hence a precision). Latency is modelled as a
 * base time plus one measured time per unit and precision; accuracy comes from an oracle (the
 * caller evaluates a configuration on its search images).
 *
 * Search: start every unit at its fastest quantized precision, measure each unit's sensitivity
 * (accuracy gained by promoting it alone), then promote units in order of gain per millisecond,
 * first to INT8 and then, if the budget still fails, to FP32. Every evaluated configuration is a
 * point; the Pareto front and the chosen point come from them.
 */
import type { LayerPrecision } from '../../contract/app-types.js';

export type Precision = LayerPrecision;
export type SearchConfig = Record<string, Precision>;

export interface SearchUnit {
  id: string;
  /** measured time of the unit per precision, ms (a missing precision is not allowed for it) */
  ms: Partial<Record<Precision, number>>;
}

export type Budget = { kind: 'accuracy'; min: number } | { kind: 'latency'; maxMs: number };

export interface SearchPoint {
  config: SearchConfig;
  /** modelled latency, ms */
  latencyMs: number;
  accuracy: number;
  /** how the point was reached, e.g. "start", "probe fire2", "promote conv1 to int8" */
  step: string;
}

export interface SearchResult {
  points: SearchPoint[];
  /** indices into points of the Pareto front (no other point is both faster and more accurate), by latency */
  front: number[];
  /** index into points of the chosen configuration; null when no quantized one meets the budget */
  chosen: number | null;
  /** when chosen is null: the most accurate point without FP32 groups (the nearest quantized miss) */
  closest: number | null;
}

export interface SearchProblem {
  units: SearchUnit[];
  /** time of everything that is not a unit, ms */
  baseMs: number;
  accuracy: (config: SearchConfig) => Promise<number>;
  budget: Budget;
  onStep?: (done: number, total: number, point: SearchPoint) => void;
}

const ORDER: Precision[] = ['int7', 'int8', 'fp32'];

export function modelLatency(units: readonly SearchUnit[], baseMs: number, config: SearchConfig): number {
  let t = baseMs;
  for (const u of units) {
    const v = u.ms[config[u.id]!];
    if (v === undefined) throw new Error(`mixed search: no latency for unit '${u.id}' at ${config[u.id]}`);
    t += v;
  }
  return t;
}

/** The fastest quantized precision of a unit (INT8 when it is no slower than INT7). */
function startPrecision(u: SearchUnit): Precision {
  const q7 = u.ms.int7;
  const q8 = u.ms.int8;
  if (q8 !== undefined && (q7 === undefined || q8 <= q7)) return 'int8';
  if (q7 !== undefined) return 'int7';
  if (u.ms.fp32 !== undefined) return 'fp32';
  throw new Error(`mixed search: unit '${u.id}' has no measured latency`);
}

function nextPrecision(u: SearchUnit, p: Precision): Precision | undefined {
  for (const q of ORDER.slice(ORDER.indexOf(p) + 1)) if (u.ms[q] !== undefined) return q;
  return undefined;
}

export function meetsBudget(b: Budget, p: { latencyMs: number; accuracy: number }): boolean {
  return b.kind === 'accuracy' ? p.accuracy >= b.min : p.latencyMs <= b.maxMs;
}

/** Indices of the Pareto front, sorted by latency (ties: the more accurate point only). */
export function paretoFront(points: readonly { latencyMs: number; accuracy: number }[]): number[] {
  const idx = points.map((_, i) => i).sort((a, b) => points[a]!.latencyMs - points[b]!.latencyMs || points[b]!.accuracy - points[a]!.accuracy);
  const out: number[] = [];
  let best = -Infinity;
  for (const i of idx) {
    if (points[i]!.accuracy > best) {
      out.push(i);
      best = points[i]!.accuracy;
    }
  }
  return out;
}

/** All groups in FP32: the reference model itself, never a quantization result. */
export function isAllFp32(config: SearchConfig): boolean {
  const v = Object.values(config);
  return v.length > 0 && v.every((p) => p === 'fp32');
}

/**
 * The chosen point: fastest meeting an accuracy budget, or most accurate within a latency
 * budget. The all-FP32 configuration is never chosen: it trivially meets any FP32-relative
 * budget (on a small search set a quantized model often misses it by one image), and the
 * runtime's FP32 fallback is far slower than any quantized point.
 */
export function choosePoint(points: readonly SearchPoint[], budget: Budget): number | null {
  let best: number | null = null;
  points.forEach((p, i) => {
    if (isAllFp32(p.config) || !meetsBudget(budget, p)) return;
    if (best === null) best = i;
    else {
      const b = points[best]!;
      const better =
        budget.kind === 'accuracy'
          ? p.latencyMs < b.latencyMs || (p.latencyMs === b.latencyMs && p.accuracy > b.accuracy)
          : p.accuracy > b.accuracy || (p.accuracy === b.accuracy && p.latencyMs < b.latencyMs);
      if (better) best = i;
    }
  });
  return best;
}

/** The most accurate point with no FP32 group (ties: the faster), for a budget nothing met. */
export function closestQuantized(points: readonly SearchPoint[]): number | null {
  let best: number | null = null;
  points.forEach((p, i) => {
    if (Object.values(p.config).includes('fp32')) return;
    const b = best === null ? undefined : points[best]!;
    if (!b || p.accuracy > b.accuracy || (p.accuracy === b.accuracy && p.latencyMs < b.latencyMs)) best = i;
  });
  return best;
}

export async function searchMixedPrecision(pr: SearchProblem): Promise<SearchResult> {
  if (pr.units.length === 0) throw new Error('mixed search: the model has no quantizable layer group');
  const ids = new Set<string>();
  for (const u of pr.units) {
    if (ids.has(u.id)) throw new Error(`mixed search: unit '${u.id}' appears twice`);
    ids.add(u.id);
  }
  const points: SearchPoint[] = [];
  const seen = new Map<string, number>();
  // probes + up to two promotions per unit
  const total = 1 + 3 * pr.units.length;
  const evalPoint = async (config: SearchConfig, step: string): Promise<SearchPoint> => {
    const key = pr.units.map((u) => config[u.id]).join(',');
    const known = seen.get(key);
    if (known !== undefined) return points[known]!;
    const p: SearchPoint = { config: { ...config }, latencyMs: modelLatency(pr.units, pr.baseMs, config), accuracy: await pr.accuracy({ ...config }), step };
    seen.set(key, points.length);
    points.push(p);
    pr.onStep?.(points.length, total, p);
    return p;
  };
  const start: SearchConfig = Object.fromEntries(pr.units.map((u) => [u.id, startPrecision(u)]));
  const base = await evalPoint(start, 'start');
  // sensitivity: accuracy gained by promoting one unit alone, per ms it costs
  const gain = new Map<string, number>();
  for (const u of pr.units) {
    const up = nextPrecision(u, start[u.id]!);
    if (!up) continue;
    const p = await evalPoint({ ...start, [u.id]: up }, `probe ${u.id} at ${up}`);
    const cost = Math.max(p.latencyMs - base.latencyMs, 1e-6);
    gain.set(u.id, (p.accuracy - base.accuracy) / cost);
  }
  const order = pr.units.filter((u) => gain.has(u.id)).sort((a, b) => gain.get(b.id)! - gain.get(a.id)!);
  let cur = { ...start };
  let last = base;
  // an accuracy budget stops at the first point meeting it; a latency budget stops once over it
  const done = (p: SearchPoint) => (pr.budget.kind === 'accuracy' ? meetsBudget(pr.budget, p) : p.latencyMs > pr.budget.maxMs);
  for (const round of [0, 1]) {
    if (done(last)) break;
    for (const u of order) {
      const from = cur[u.id]!;
      const up = nextPrecision(u, from);
      // round 0 promotes INT7 units to INT8; round 1 goes on to FP32
      if (!up || (round === 0 && up === 'fp32') || (round === 1 && up !== 'fp32')) continue;
      cur = { ...cur, [u.id]: up };
      last = await evalPoint(cur, `promote ${u.id} to ${up}`);
      if (done(last)) break;
    }
  }
  const chosen = choosePoint(points, pr.budget);
  return { points, front: paretoFront(points), chosen, closest: chosen === null ? closestQuantized(points) : null };
}
