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
 *
 * This file holds the TypeScript scoring (the oracle the native kernels are checked against,
 * `--accel ts`); the search's control flow is in eq-search.ts, the native scoring in
 * eq-native.ts. Every float sum here runs in a fixed order, which the native side replicates.
 */
import { rne } from '../quant/rounding.js';
import { im2col } from '../quant/linear-geom.js';
import { inputGrid } from '../quant/fake-quant-layer.js';
import type { Calibrator } from './calibrator.js';
import type { EqBackend, LayerData, WeightGrid } from './eq-backend.js';
import { decideEq } from './eq-search.js';
import { dotRows } from './search-kernels.js';

const f32 = Math.fround;

/** per image, per channel: sum over positions of O^2 */
function channelNorms(d: LayerData): Float64Array[] {
  return d.O.map((o) => {
    const a = new Float64Array(d.layer.geom.cout);
    for (let c = 0; c < d.layer.geom.cout; c++) {
      let q = 0;
      for (let j = 0; j < d.np; j++) {
        const v = o[c * d.np + j]!;
        q += v * v;
      }
      a[c] = q;
    }
    return a;
  });
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

/**
 * Keeps a long synchronous search interruptible: every ~50 ms it yields to the event loop (so a
 * Ctrl-C handler or a worker's cancel message can run) and then polls `shouldStop`. Yielding
 * does not change the arithmetic, so the scales stay bitwise those of an uninterrupted search.
 */
export class Interruptible {
  private last = performance.now();
  constructor(private readonly shouldStop?: () => boolean) {}

  async checkpoint(): Promise<void> {
    if (performance.now() - this.last < 50) return;
    await new Promise<void>((r) => setImmediate(r));
    this.last = performance.now();
    if (this.shouldStop?.()) throw new Error('calibration cancelled');
  }
}

/** Per-channel weight-scale search with the input scale fixed. Returns new scales. */
async function searchWeights(
  d: LayerData,
  cols: Float64Array[][],
  aScale: number,
  init: Float64Array,
  current: Float64Array,
  grid: WeightGrid,
  qmax: number,
  intr: Interruptible,
): Promise<Float64Array> {
  const { cout, K, group } = d.layer.geom;
  const np = d.np;
  const coutPerGroup = cout / group;
  const oo = channelNorms(d);
  const out = Float64Array.from(current);
  const wq = new Float64Array(K);
  const y = new Float64Array(np);
  const sa = f32(aScale);
  const images = cols.length;
  for (let c = 0; c < cout; c++) {
    await intr.checkpoint();
    const g = Math.floor(c / coutPerGroup);
    const w = d.layer.wRows.subarray(c * K, (c + 1) * K);
    const b = d.layer.bias[c]!;
    const gridC = grid.perChannel ? grid.factors.subarray(c * grid.n, (c + 1) * grid.n) : grid.factors;
    let best = -Infinity;
    let bestS = current[c]!;
    for (let k = 0; k < gridC.length; k++) {
      const s = f32(init[c]! * gridC[k]!);
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
        aa += oo[i]![c]!;
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
export function groupObjective(ds: LayerData[], xs: Float32Array[], aScale: number, wq: Int8Array[], wScales: Float64Array[], qmax: number, unsigned = false): number {
  const grid = inputGrid(unsigned);
  const sa = grid.scale(aScale);
  let total = 0;
  const perLayer = new Float64Array(ds.length);
  for (let i = 0; i < xs.length; i++) {
    const xq = grid.quantize(xs[i]!, sa, qmax);
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

/** The TypeScript scoring back-end (synchronous work wrapped in promises); `unsigned`: the group's input is on the unsigned grid. */
export function tsBackend(qmax: number, shouldStop?: () => boolean, unsigned = false): EqBackend {
  let cached: { aScale: number; xs: Float32Array[]; xq: Float64Array[] } | undefined;
  const intr = new Interruptible(shouldStop);
  const ig = inputGrid(unsigned);
  return {
    searchWeights(d, xs, aScale, init, current, grid) {
      if (!cached || cached.aScale !== aScale || cached.xs !== xs) cached = { aScale, xs, xq: xs.map((x) => ig.quantize(x, ig.scale(aScale), qmax)) };
      return searchWeights(d, quantizedCols(d, cached.xq), ig.scale(aScale), init, current, grid, qmax, intr);
    },
    async objectives(ds, xs, aScales, wq, wScales) {
      const out: number[] = [];
      for (const s of aScales) {
        await intr.checkpoint();
        out.push(groupObjective(ds, xs, s, wq, wScales, qmax, unsigned));
      }
      return out;
    },
  };
}

export const eqCalibrator: Calibrator = {
  decide(group, xs, ctx) {
    return decideEq(group, xs, ctx, ctx.eqBackend ?? tsBackend(ctx.qmax, ctx.shouldStop));
  },
};
