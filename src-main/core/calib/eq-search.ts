/**
 * Control flow of the EQ search for one layer group, shared by the TypeScript and the native
 * scoring back-ends (so they pick the same scales): initial scales, alternation of the
 * weight and activation searches for `rounds` rounds (or until convergence), and the
 * candidate strategy:
 *   - 'grid' (default, the paper's): every point of the n-point grid;
 *   - 'coarse-fine': about sqrt(n) evenly spaced grid points (plus both ends and S0), then
 *     every grid point between the best coarse point's neighbours. Candidates are a subset
 *     of the plain grid, so the result can only differ where the score has several peaks.
 */
import { maxAbsScale } from '../quant/rounding.js';
import { quantizeWeights } from '../quant/fake-quant-layer.js';
import type { LayerGroup, QuantLayer } from '../quant/plan.js';
import type { CalibContext, GroupDecision } from './calibrator.js';
import { deadChannels, maxAbsWeightsForGroup } from './calibrator.js';
import type { EqBackend, LayerData, WeightGrid } from './eq-backend.js';
import { klActivationScale } from './kl.js';
import { ProgressClock } from './progress.js';
import { gridFactors } from './settings.js';

const f32 = Math.fround;

/** Indices of the coarse pass: every round(sqrt(n))-th point, both ends and the index of factor 1. */
export function coarseIndices(factors: ArrayLike<number>): number[] {
  const n = factors.length;
  const stride = Math.max(2, Math.round(Math.sqrt(n)));
  const set = new Set<number>([0, n - 1]);
  for (let k = 0; k < n; k += stride) set.add(k);
  for (let k = 0; k < n; k++) if (factors[k] === 1) set.add(k);
  return [...set].sort((a, b) => a - b);
}

/** Grid indices strictly between the neighbours of coarse position `pos` (the coarse point included). */
export function fineIndices(coarse: number[], pos: number): number[] {
  const lo = pos > 0 ? coarse[pos - 1]! + 1 : coarse[0]!;
  const hi = pos < coarse.length - 1 ? coarse[pos + 1]! - 1 : coarse[coarse.length - 1]!;
  const out: number[] = [];
  for (let k = lo; k <= hi; k++) out.push(k);
  return out;
}

function pick(factors: ArrayLike<number>, idx: number[]): Float64Array {
  return Float64Array.from(idx, (k) => factors[k]!);
}

async function searchLayerWeights(
  be: EqBackend,
  d: LayerData,
  xs: Float32Array[],
  aScale: number,
  init: Float64Array,
  current: Float64Array,
  grid: number[],
  strategy: 'grid' | 'coarse-fine',
): Promise<Float64Array> {
  const full: WeightGrid = { factors: Float64Array.from(grid), perChannel: false, n: grid.length };
  if (strategy === 'grid' || grid.length < 9) return be.searchWeights(d, xs, aScale, init, current, full);
  const coarse = coarseIndices(grid);
  const cg = pick(grid, coarse);
  const first = await be.searchWeights(d, xs, aScale, init, current, { factors: cg, perChannel: false, n: cg.length });
  const cout = d.layer.geom.cout;
  const windows: number[][] = [];
  for (let c = 0; c < cout; c++) {
    // which coarse candidate won (the first whose scale equals the result; S0 if none scored)
    let pos = coarse.findIndex((k) => f32(init[c]! * grid[k]!) === first[c]);
    if (pos < 0)
      pos = Math.max(
        0,
        coarse.findIndex((k) => grid[k] === 1),
      );
    windows.push(fineIndices(coarse, pos));
  }
  const n = Math.max(...windows.map((w) => w.length));
  const factors = new Float64Array(cout * n);
  windows.forEach((w, c) => {
    // shorter windows repeat their last point: an equal score never replaces the best
    for (let k = 0; k < n; k++) factors[c * n + k] = grid[w[Math.min(k, w.length - 1)]!]!;
  });
  return be.searchWeights(d, xs, aScale, init, first, { factors, perChannel: true, n });
}

/** Best input scale over the candidates (the first of equal maxima, as the plain loop). */
async function searchActivation(
  be: EqBackend,
  ds: LayerData[],
  xs: Float32Array[],
  aInit: number,
  grid: number[],
  wq: Int8Array[],
  wScales: Float64Array[],
  strategy: 'grid' | 'coarse-fine',
  current: number,
): Promise<{ best: number; bestA: number }> {
  const run = async (idx: number[]) => {
    const scales = idx.map((k) => f32(aInit * grid[k]!));
    const scores = await be.objectives(ds, xs, scales, wq, wScales);
    let best = -Infinity;
    let at = -1;
    scores.forEach((s, i) => {
      if (s > best) {
        best = s;
        at = i;
      }
    });
    return { best, at };
  };
  const all = grid.map((_, k) => k);
  if (strategy === 'grid' || grid.length < 9) {
    const r = await run(all);
    return { best: r.best, bestA: r.at >= 0 ? f32(aInit * grid[r.at]!) : current };
  }
  const coarse = coarseIndices(grid);
  const c = await run(coarse);
  const pos =
    c.at >= 0
      ? c.at
      : Math.max(
          0,
          coarse.findIndex((k) => grid[k] === 1),
        );
  const fine = fineIndices(coarse, pos);
  const r = await run(fine);
  return { best: r.best, bestA: r.at >= 0 ? f32(aInit * grid[fine[r.at]!]!) : current };
}

export async function decideEq(group: LayerGroup, xs: Float32Array[], ctx: CalibContext, be: EqBackend): Promise<GroupDecision> {
  const { settings, qmax } = ctx;
  const strategy = settings.strategy ?? 'grid';
  const clock = new ProgressClock();
  const grid = gridFactors(settings.alpha, settings.beta, settings.steps);
  const ds = group.layers.map((l) => layerData(l, ctx));
  const wInit = maxAbsWeightsForGroup(group, qmax);
  const aInit = settings.init === 'kl' ? klActivationScale(ctx.capture, group.input, qmax, settings.klBins) : maxAbsScale(ctx.capture.maxAbs.get(group.input) ?? 0, qmax);
  const dead = group.layers.map((l) => deadChannels(l.wRows, l.geom.cout, l.geom.K));
  let aScale = f32(aInit);
  let wScales: Float64Array[] = group.layers.map((l) => Float64Array.from(wInit.get(l.name)!, (v) => f32(v)));
  const quantized = () => group.layers.map((l, i) => quantizeWeights(l, wScales[i]!, qmax));
  const objective = async () => (await be.objectives(ds, xs, [aScale], quantized(), wScales))[0]!;
  const cosBefore = await objective();
  let cosNow = cosBefore;
  const maxRounds = settings.rounds === 'converge' ? settings.maxRounds : settings.rounds;
  const name = group.layers.map((l) => l.name).join('+');
  for (let round = 0; round < maxRounds; round++) {
    // 1. weights, activations fixed
    const prevW = wScales;
    const next: Float64Array[] = [];
    for (let li = 0; li < ds.length; li++) {
      const d = ds[li]!;
      next.push(await searchLayerWeights(be, d, xs, aScale, wInit.get(d.layer.name)!, wScales[li]!, grid, strategy));
    }
    // dead channels (all weights ~0) score the same at every scale: keep their initial scale
    dead.forEach((chs, li) => {
      for (const c of chs) next[li]![c] = f32(wInit.get(group.layers[li]!.name)![c]!);
    });
    wScales = next;
    let afterW = await objective();
    // per-channel scores can disagree with the group objective; never accept a step that lowers it
    if (afterW < cosNow) {
      wScales = prevW;
      afterW = cosNow;
    }
    ctx.onProgress?.(clock.event({ stage: 'search', index: ctx.groupIndex + 1, total: ctx.groupCount, name, phase: 'weights', cosBefore: cosNow, cosAfter: afterW }));
    // 2. activations, weights fixed
    const { best, bestA } = await searchActivation(be, ds, xs, aInit, grid, quantized(), wScales, strategy, aScale);
    aScale = bestA;
    ctx.onProgress?.(clock.event({ stage: 'search', index: ctx.groupIndex + 1, total: ctx.groupCount, name, phase: 'activations', cosBefore: afterW, cosAfter: best }));
    const gain = best - cosNow;
    cosNow = best;
    if (settings.rounds === 'converge' && gain < settings.roundsEps) break;
  }
  const out = new Map<string, Float64Array>();
  group.layers.forEach((l, i) => out.set(l.name, wScales[i]!));
  return { aScale, wScales: out, cosBefore, cosAfter: cosNow };
}

/** The scoring data of one layer: sampled positions and the FP32 outputs there. */
export function layerData(l: QuantLayer, ctx: CalibContext): LayerData {
  const positions = ctx.capture.positions.get(l.name);
  const np = positions ? positions.length : l.geom.P;
  return { layer: l, np, positions, O: ctx.capture.preAct.get(l.name)! };
}
