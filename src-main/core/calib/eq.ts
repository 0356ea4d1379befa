/**
 * EasyQuant scale search (Wu et al. 2020), reference implementation.
 *
 * For a layer group (layers reading one activation tensor) it maximises the mean over
 * calibration images of cos(O, Ô), O the FP32 pre-activation output of the layer and
 * Ô = (Q(A,Sa) * Q(W,Sw)) / (Sa*Sw) + b computed from the group's input A as the
 * already-quantized network produces it. Scores use a uniform sample of output positions.
 *
 *  - weight search: each output channel c separately, scored by the cosine of channel c's
 *    own output (ncnn scores the whole tensor, a weak signal for one channel's scale);
 *  - activation search: the shared input scale, scored by the mean over the group's layers
 *    of the whole-output cosine;
 *  - alternation: weights then activations, for `rounds` rounds (or until the objective
 *    gains less than roundsEps);
 *  - grid: n points in [alpha*S0, beta*S0] around the initial scale S0, S0 itself included.
 */
import { rne } from '../quant/rounding.js';
import { im2col } from '../quant/linear-geom.js';
import { quantizeInput, quantizeWeights } from '../quant/fake-quant-layer.js';
import type { LayerGroup, QuantLayer } from '../quant/plan.js';
import { maxAbsScale } from '../quant/rounding.js';
import type { Calibrator, CalibContext, GroupDecision } from './calibrator.js';
import { maxAbsWeightsForGroup } from './calibrator.js';
import { klActivationScale } from './kl.js';
import { ProgressClock } from './progress.js';
import { dotRows } from './search-kernels.js';
import { gridFactors } from './settings.js';

const f32 = Math.fround;

interface LayerData {
  layer: QuantLayer;
  np: number;
  positions: Int32Array | undefined;
  /** per image FP32 pre-activation [cout][np] */
  O: Float32Array[];
  /** per image, per channel: sum O^2 and sum O */
  oo: Float64Array[];
  os: Float64Array[];
}

function layerData(l: QuantLayer, ctx: CalibContext): LayerData {
  const positions = ctx.capture.positions.get(l.name);
  const np = positions ? positions.length : l.geom.P;
  const O = ctx.capture.preAct.get(l.name)!;
  const oo: Float64Array[] = [];
  const os: Float64Array[] = [];
  for (const o of O) {
    const a = new Float64Array(l.geom.cout);
    const s = new Float64Array(l.geom.cout);
    for (let c = 0; c < l.geom.cout; c++) {
      let q = 0;
      let t = 0;
      for (let j = 0; j < np; j++) {
        const v = o[c * np + j]!;
        q += v * v;
        t += v;
      }
      a[c] = q;
      s[c] = t;
    }
    oo.push(a);
    os.push(s);
  }
  return { layer: l, np, positions, O, oo, os };
}

/** cos from the sums: <O,Ô>, |O|^2, |Ô|^2 */
function cosFromSums(ab: number, aa: number, bb: number): number {
  if (aa === 0 && bb === 0) return 1;
  if (aa === 0 || bb === 0) return 0;
  return ab / Math.sqrt(aa * bb);
}

/** im2col of the quantized inputs at the sampled positions: per image, per conv group. */
function quantizedCols(d: LayerData, xq: Float64Array[]): Float64Array[][] {
  return xq.map((x) => {
    const per: Float64Array[] = [];
    for (let g = 0; g < d.layer.geom.group; g++) per.push(im2col(x, d.layer.geom, g, d.positions));
    return per;
  });
}

/** Per-channel weight-scale search with the input scale fixed. Returns new scales. */
function searchWeights(d: LayerData, cols: Float64Array[][], aScale: number, init: Float64Array, current: Float64Array, grid: number[], qmax: number): Float64Array {
  const { cout, K, group } = d.layer.geom;
  const np = d.np;
  const coutPerGroup = cout / group;
  const out = Float64Array.from(current);
  const wq = new Float64Array(K);
  const y = new Float64Array(np);
  const sa = f32(aScale);
  const images = cols.length;
  for (let c = 0; c < cout; c++) {
    const g = Math.floor(c / coutPerGroup);
    const w = d.layer.wRows.subarray(c * K, (c + 1) * K);
    const b = d.layer.bias[c]!;
    let best = -Infinity;
    let bestS = current[c]!;
    for (let k = 0; k < grid.length; k++) {
      const s = f32(init[c]! * grid[k]!);
      for (let kk = 0; kk < K; kk++) {
        const q = rne(f32(w[kk]! * s));
        wq[kk] = q > qmax ? qmax : q < -qmax ? -qmax : q;
      }
      const a = 1 / (sa * s);
      // channel c is scored by the cosine of its output over all sampled positions of all
      // calibration images together (for an FC layer one image gives one value per channel,
      // whose cosine would only be its sign)
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let i = 0; i < images; i++) {
        dotRows(wq, 0, K, cols[i]![g]!, np, y);
        const o = d.O[i]!;
        const ob = c * np;
        for (let j = 0; j < np; j++) {
          const v = y[j]! * a + b;
          ab += o[ob + j]! * v;
          bb += v * v;
        }
        aa += d.oo[i]![c]!;
      }
      const score = cosFromSums(ab, aa, bb);
      if (score > best) {
        best = score;
        bestS = s;
      }
    }
    out[c] = bestS;
  }
  return out;
}

/** Group objective for one input scale: mean over layers of the mean over images of the whole-output cosine. */
function groupObjective(ds: LayerData[], xs: Float32Array[], aScale: number, wq: Int8Array[], wScales: Float64Array[], qmax: number): number {
  const sa = f32(aScale);
  let total = 0;
  const perLayer = new Float64Array(ds.length);
  for (let i = 0; i < xs.length; i++) {
    const xq = quantizeInput(xs[i]!, sa, qmax);
    ds.forEach((d, li) => {
      const { cout, K, group } = d.layer.geom;
      const np = d.np;
      const coutPerGroup = cout / group;
      const o = d.O[i]!;
      let ab = 0;
      let aa = 0;
      let bb = 0;
      const y = new Float64Array(np);
      for (let g = 0; g < group; g++) {
        const cols = im2col(xq, d.layer.geom, g, d.positions);
        for (let c = g * coutPerGroup; c < (g + 1) * coutPerGroup; c++) {
          dotRows(wq[li]!, c * K, K, cols, np, y);
          const a = 1 / (sa * f32(wScales[li]![c]!));
          const b = d.layer.bias[c]!;
          for (let j = 0; j < np; j++) {
            const v = y[j]! * a + b;
            const ov = o[c * np + j]!;
            ab += ov * v;
            aa += ov * ov;
            bb += v * v;
          }
        }
      }
      perLayer[li]! += cosFromSums(ab, aa, bb);
    });
  }
  for (let li = 0; li < ds.length; li++) total += perLayer[li]! / xs.length;
  return total / ds.length;
}

export const eqCalibrator: Calibrator = {
  decide(group: LayerGroup, xs: Float32Array[], ctx: CalibContext): GroupDecision {
    const { settings, qmax } = ctx;
    const clock = new ProgressClock();
    const grid = gridFactors(settings.alpha, settings.beta, settings.steps);
    const ds = group.layers.map((l) => layerData(l, ctx));
    const wInit = maxAbsWeightsForGroup(group, qmax);
    const aInit =
      settings.init === 'kl'
        ? klActivationScale(ctx.capture, group.input, qmax, settings.klBins)
        : maxAbsScale(ctx.capture.maxAbs.get(group.input) ?? 0, qmax);
    let aScale = f32(aInit);
    let wScales: Float64Array[] = group.layers.map((l) => Float64Array.from(wInit.get(l.name)!, (v) => f32(v)));
    const objective = () =>
      groupObjective(
        ds,
        xs,
        aScale,
        group.layers.map((l, i) => quantizeWeights(l, wScales[i]!, qmax)),
        wScales,
        qmax,
      );
    const cosBefore = objective();
    let cosNow = cosBefore;
    const maxRounds = settings.rounds === 'converge' ? settings.maxRounds : settings.rounds;
    const name = group.layers.map((l) => l.name).join('+');
    for (let round = 0; round < maxRounds; round++) {
      // 1. weights, activations fixed
      const xq = xs.map((x) => quantizeInput(x, aScale, qmax));
      const prevW = wScales;
      wScales = ds.map((d, li) => searchWeights(d, quantizedCols(d, xq), aScale, wInit.get(d.layer.name)!, wScales[li]!, grid, qmax));
      let afterW = objective();
      // per-channel scores can disagree with the group objective; never accept a step that lowers it
      if (afterW < cosNow) {
        wScales = prevW;
        afterW = cosNow;
      }
      ctx.onProgress?.(clock.event({ stage: 'search', index: ctx.groupIndex + 1, total: ctx.groupCount, name, phase: 'weights', cosBefore: cosNow, cosAfter: afterW }));
      // 2. activations, weights fixed
      const wq = group.layers.map((l, i) => quantizeWeights(l, wScales[i]!, qmax));
      let best = -Infinity;
      let bestA = aScale;
      for (const gk of grid) {
        const s = f32(aInit * gk);
        const score = groupObjective(ds, xs, s, wq, wScales, qmax);
        if (score > best) {
          best = score;
          bestA = s;
        }
      }
      aScale = bestA;
      ctx.onProgress?.(clock.event({ stage: 'search', index: ctx.groupIndex + 1, total: ctx.groupCount, name, phase: 'activations', cosBefore: afterW, cosAfter: best }));
      const gain = best - cosNow;
      cosNow = best;
      if (settings.rounds === 'converge' && gain < settings.roundsEps) break;
    }
    const out = new Map<string, Float64Array>();
    group.layers.forEach((l, i) => out.set(l.name, wScales[i]!));
    return { aScale, wScales: out, cosBefore, cosAfter: cosNow };
  },
};
