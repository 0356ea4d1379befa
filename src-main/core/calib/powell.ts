/**
 * Powell's direction-set method (derivative-free minimisation) with a cheap line search:
 * step ±h along a direction, expand while it improves, then one parabolic refinement. The
 * objective may be async (each evaluation of LAPQ runs a quantized network) and expensive, so
 * the search counts evaluations against a budget and only ever moves to a better point: the
 * best value is monotonically non-increasing.
 */

export type Objective = (x: Float64Array) => number | Promise<number>;

export interface PowellOptions {
  /** initial step of every line search (in the units of x) */
  step?: number;
  /** a direction whose line search fails gets a third of its step, down to this (default step / 1000) */
  minStep?: number;
  /** at most this many sweeps over the direction set */
  maxSweeps?: number;
  /** at most this many objective evaluations (the start point included) */
  maxEvals?: number;
  /** stop when a whole sweep improves the value by less than this (relative) */
  tol?: number;
  /** polled before every evaluation: true stops the search (the best point so far is returned) */
  shouldStop?: () => boolean;
  /** polled before every evaluation: true ends the search on its time budget */
  timeUp?: () => boolean;
  /** called after every line search that moved to a better point */
  onImprove?: (x: Float64Array, fx: number, state: PowellState) => void | Promise<void>;
  /**
   * the parabolic refinement of a line search is skipped when the parabola predicts a decrease
   * below this fraction of f (default 0: always refine)
   */
  refineTol?: number;
  /** ... or when it would move by less than this along the direction (units of x; default 0) */
  xTol?: number;
  /**
   * a direction whose line search found nothing is left out of the next sweep (searched again in
   * the one after): the sweeps spend their evaluations on the directions that still move
   */
  skipFailed?: boolean;
  /** value of f at x0 when already known (saves one evaluation) */
  f0?: number;
}

export interface PowellState {
  sweep: number;
  evals: number;
  /** index of the direction just searched (-1: the sweep's extrapolated direction) */
  direction: number;
}

export interface PowellResult {
  x: Float64Array;
  fx: number;
  f0: number;
  evals: number;
  sweeps: number;
  stop: 'converged' | 'sweeps' | 'evals' | 'time' | 'cancelled';
}

class Budget extends Error {
  constructor(readonly why: 'evals' | 'time' | 'cancelled') {
    super(why);
  }
}

export async function powell(f: Objective, x0: ArrayLike<number>, opts: PowellOptions = {}): Promise<PowellResult> {
  const n = x0.length;
  const h0 = opts.step ?? 0.1;
  const maxSweeps = opts.maxSweeps ?? 10;
  const maxEvals = opts.maxEvals ?? Infinity;
  const tol = opts.tol ?? 1e-6;
  const minStep = opts.minStep ?? h0 / 1000;
  const refineTol = opts.refineTol ?? 0;
  const xTol = opts.xTol ?? 0;
  let evals = 0;
  const evalAt = async (x: Float64Array): Promise<number> => {
    if (opts.shouldStop?.()) throw new Budget('cancelled');
    if (evals >= maxEvals) throw new Budget('evals');
    if (opts.timeUp?.()) throw new Budget('time');
    evals++;
    const raw = await f(x);
    const v = Number.isFinite(raw) ? raw : Infinity;
    if (v < bestF) {
      bestF = v;
      bestX = Float64Array.from(x);
    }
    return v;
  };
  // the best point evaluated: a budget stop inside a line search still returns it
  let bestX = Float64Array.from(x0);
  let bestF = opts.f0 ?? Infinity;
  let x = Float64Array.from(x0);
  let fx = opts.f0 ?? (await evalAt(x));
  const f0 = fx;
  const dirs: Float64Array[] = Array.from({ length: n }, (_, i) => {
    const d = new Float64Array(n);
    d[i] = 1;
    return d;
  });
  const along = (d: Float64Array, t: number) => x.map((v, i) => v + t * d[i]!);

  /** Moves x along d to the best point found; returns the decrease of f and the step that worked. */
  const line = async (d: Float64Array, h: number): Promise<[number, number]> => {
    const start = fx;
    const pts: [number, number][] = [[0, fx]];
    let t = h;
    let ft = await evalAt(along(d, t));
    pts.push([t, ft]);
    if (!(ft < fx)) {
      t = -h;
      ft = await evalAt(along(d, t));
      pts.push([t, ft]);
    }
    if (ft < fx) {
      // expand while it keeps improving
      let best: [number, number] = [t, ft];
      for (let k = 0; k < 30; k++) {
        const t2 = best[0] * 2;
        const f2 = await evalAt(along(d, t2));
        pts.push([t2, f2]);
        if (f2 < best[1]) best = [t2, f2];
        else break;
      }
    }
    // parabola through the best point and its two neighbours on the line
    pts.sort((a, b) => a[0] - b[0]);
    let bi = 0;
    for (let i = 1; i < pts.length; i++) if (pts[i]![1] < pts[bi]![1]) bi = i;
    let bt = pts[bi]![0];
    let bf = pts[bi]![1];
    if (bi > 0 && bi < pts.length - 1) {
      const [a, fa] = pts[bi - 1]!;
      const [c, fc] = pts[bi + 1]!;
      const num = (bt - a) ** 2 * (bf - fc) - (bt - c) ** 2 * (bf - fa);
      const den = (bt - a) * (bf - fc) - (bt - c) * (bf - fa);
      if (den !== 0 && Number.isFinite(fa) && Number.isFinite(fc)) {
        const tp = bt - num / (2 * den);
        if (tp > a && tp < c && Math.abs(tp - bt) > Math.max(xTol, 1e-12 * (1 + Math.abs(bt))) && parabolaDrop(a, fa, bt, bf, c, fc, tp) >= refineTol * Math.abs(bf)) {
          const fp = await evalAt(along(d, tp));
          if (fp < bf) {
            bt = tp;
            bf = fp;
          }
        }
      }
    }
    if (bf < fx) {
      x = along(d, bt);
      fx = bf;
    }
    return [start - fx, bt];
  };

  const steps = new Array<number>(n).fill(h0);
  const rest = new Array<boolean>(n).fill(false);
  let sweeps = 0;
  let stop: PowellResult['stop'] = 'sweeps';
  try {
    while (sweeps < maxSweeps) {
      const xStart = Float64Array.from(x);
      const fStart = fx;
      let bigIdx = 0;
      let bigDrop = 0;
      for (let i = 0; i < n; i++) {
        if (rest[i]) {
          rest[i] = false;
          continue;
        }
        const [drop, t] = await line(dirs[i]!, steps[i]!);
        if (opts.skipFailed) rest[i] = !(drop > 0);
        // the next line search along this direction starts from the step that worked (or a third)
        steps[i] = drop > 0 ? Math.max(Math.abs(t), minStep) : Math.max(steps[i]! / 3, minStep / 3);
        if (drop > bigDrop) {
          bigDrop = drop;
          bigIdx = i;
        }
        if (drop > 0) await opts.onImprove?.(x, fx, { sweep: sweeps, evals, direction: i });
      }
      sweeps++;
      const gain = fStart - fx;
      if ((gain > 0 && gain <= tol * (Math.abs(fStart) + 1e-30)) || (gain <= 0 && steps.every((h) => h < minStep))) {
        stop = 'converged';
        break;
      }
      if (gain <= 0) continue;
      // Powell's extrapolated direction replaces the direction of the largest decrease
      const dNew = x.map((v, i) => v - xStart[i]!);
      const norm = Math.hypot(...dNew);
      if (norm > 0) {
        const unit = dNew.map((v) => v / norm);
        const [drop] = await line(unit, norm);
        if (drop > 0) await opts.onImprove?.(x, fx, { sweep: sweeps - 1, evals, direction: -1 });
        dirs.splice(bigIdx, 1);
        dirs.push(unit);
        steps.splice(bigIdx, 1);
        steps.push(norm);
        rest.splice(bigIdx, 1);
        rest.push(false);
      }
    }
  } catch (e) {
    if (!(e instanceof Budget)) throw e;
    stop = e.why;
    if (bestF < fx) {
      x = bestX;
      fx = bestF;
    }
  }
  return { x, fx, f0, evals, sweeps, stop };
}

/** bf minus the value at t of the parabola through (a, fa), (b, fb), (c, fc). */
export function parabolaDrop(a: number, fa: number, b: number, fb: number, c: number, fc: number, t: number): number {
  const q = fa * (((t - b) * (t - c)) / ((a - b) * (a - c))) + fb * (((t - a) * (t - c)) / ((b - a) * (b - c))) + fc * (((t - a) * (t - b)) / ((c - a) * (c - b)));
  return fb - q;
}
