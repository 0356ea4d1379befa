/**
 * `--method lapq` / `eq+lapq`: a per-layer start, then every
 * activation scale (and optionally a weight multiplier per layer) optimised jointly with
 * Powell's method on the network's output loss against FP32 on the calibration images.
 * Starts: eq+lapq from EQ; lapq from the Lp-optimal clipping with the p of LP_CANDIDATES whose
 * table has the lowest loss (the paper's start; `lapqInit: 'lp'`) or from MinMax.
 *
 * Checkpoint: the start table and the best point so far, after every improving line search;
 * a resumed run skips the start and goes on from the saved scales. Cancel is polled before
 * every evaluation and between images.
 */
import type { LoadedModel } from '../../core/graph/load.js';
import { applyLapq, defaultLapqLoss, lapqParams, type LapqLoss } from '../../core/calib/lapq.js';
import { powell } from '../../core/calib/powell.js';
import type { Calibrator } from '../../core/calib/calibrator.js';
import { lpCalibrators } from '../../core/calib/lp.js';
import { LP_CANDIDATES } from '../../core/calib/lp-clip.js';
import { chooseLpStart } from '../../core/calib/lp-start.js';
import { ProgressClock, type ProgressSink } from '../../core/calib/progress.js';
import { type CalibSettings } from '../../core/calib/settings.js';
import { planQuantization } from '../../core/quant/plan.js';
import type { LayerPrecisionMap } from '../../core/quant/layer-precision.js';
import { lapqEvaluator } from '../../engines/lapq-evaluator.js';
import { runFingerprint } from '../../io/checkpoint.js';
import { readLapqCheckpoint, writeLapqCheckpoint, type LapqState } from '../../io/lapq-checkpoint.js';
import { removeCheckpoint } from '../../io/checkpoint.js';
import { CalibrationCancelled } from './sequential.js';
import type { CalibrationResult } from './calib-result.js';

type Opts = { onProgress?: ProgressSink; shouldStop?: () => boolean; warn?: (m: string) => void; layerPrecision?: LayerPrecisionMap };
type BaseCalibrate = (model: LoadedModel, samples: Float32Array[], inputDims: number[], settings: CalibSettings, opts: Opts) => Promise<CalibrationResult>;
type CalibrateWith = (
  model: LoadedModel,
  samples: Float32Array[],
  inputDims: number[],
  settings: CalibSettings,
  opts: Opts,
  calibrators: readonly Calibrator[],
) => Promise<CalibrationResult[]>;

export const isLapqMethod = (m: string): m is 'lapq' | 'eq+lapq' => m === 'lapq' || m === 'eq+lapq';

/** Initial step of the line searches, in log-scale units (≈ ±10 % of a scale). */
const STEP = 0.1;
/**
 * A line search's parabolic refinement costs one evaluation (a full quantized pass over the
 * calibration images); it is skipped when it would move a scale by under 1 % or is predicted
 * to gain under 0.1 % of the loss. A scale whose line search found nothing sits out the next
 * sweep.
 */
const REFINE = { xTol: 0.01, refineTol: 1e-3, skipFailed: true };

export async function calibrateLapq(
  model: LoadedModel,
  samples: Float32Array[],
  inputDims: number[],
  settings: CalibSettings,
  opts: Opts,
  base: BaseCalibrate,
  withCalibrators: CalibrateWith,
): Promise<CalibrationResult> {
  const t0 = performance.now();
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const ckpt = settings.checkpoint;
  const plan = planQuantization(model.graph);
  const fingerprint = runFingerprint(model.sha256, samples, settings, [...plan.groups.map((g) => g.input), JSON.stringify(opts.layerPrecision ?? {})]);
  let state: LapqState | undefined;
  if (ckpt && settings.resume) {
    const r = readLapqCheckpoint(ckpt, fingerprint);
    if (r.ok) {
      state = r.state;
      warn(`resuming from checkpoint ${ckpt}: LAPQ start decided, ${r.state.evals} evaluations done (loss ${r.state.f0.toPrecision(4)} → ${r.state.fx.toPrecision(4)})`);
    } else if ('reason' in r) warn(`${r.reason}; starting from the beginning`);
  }
  let groups: CalibrationResult['groups'] = [];
  const outDims = model.graph.outputs.map((o) => o.dims);
  const kind: LapqLoss = settings.lapqLoss === 'auto' ? defaultLapqLoss(outDims) : settings.lapqLoss;
  const lpStart = settings.method === 'lapq' && settings.lapqInit === 'lp';
  let ev: Awaited<ReturnType<typeof lapqEvaluator>> | undefined;
  const evaluator = async () =>
    (ev ??= await lapqEvaluator(model, plan, samples, inputDims, kind, { accel: settings.accel, threads: settings.threads, warn, shouldStop: opts.shouldStop }));
  if (!state && lpStart) {
    const tables = await withCalibrators(model, samples, inputDims, { ...settings, method: 'minmax', checkpoint: undefined }, opts, lpCalibrators(LP_CANDIDATES));
    const e = await evaluator();
    const clock = new ProgressClock();
    const choice = await chooseLpStart(
      tables.map((t, i) => ({ p: LP_CANDIDATES[i]!, table: t.table })),
      (t) => e.loss(t),
      (p, l, i) =>
        opts.onProgress?.(clock.event({ stage: 'search', index: i + 1, total: LP_CANDIDATES.length, name: `LAPQ start: L${p} clipping, ${kind} loss ${l.toPrecision(4)}` })),
    );
    if (!choice || opts.shouldStop?.()) throw new CalibrationCancelled();
    groups = tables[LP_CANDIDATES.indexOf(choice.p as (typeof LP_CANDIDATES)[number])]!.groups;
    // the chosen start's loss is known: Powell does not evaluate it again
    state = {
      start: { ...choice.table, settings: { ...choice.table.settings, lapqInitP: choice.p, lapqInitLosses: choice.losses } },
      x: [],
      fx: choice.loss,
      f0: choice.loss,
      evals: choice.losses.length,
    };
  } else if (!state) {
    const startMethod = settings.method === 'eq+lapq' ? 'eq' : 'minmax';
    // the EQ start checkpoints beside ours, so a cancel during it resumes too
    const b = await base(model, samples, inputDims, { ...settings, method: startMethod, checkpoint: ckpt ? `${ckpt}.start.json` : undefined }, opts);
    groups = b.groups;
    state = { start: b.table, x: [], fx: NaN, f0: NaN, evals: 0 };
  }
  const start = state.start;
  const params = lapqParams(start, settings.lapqWeights, model.graph);
  const e = await evaluator();
  const x0 = state.x.length === params.size ? Float64Array.from(state.x) : new Float64Array(params.size);
  if (state.x.length !== 0 && state.x.length !== params.size) throw new Error(`LAPQ checkpoint ${ckpt}: ${state.x.length} parameters, the plan has ${params.size}`);
  const evals0 = state.evals;
  const clock = new ProgressClock();
  const tBudget = settings.lapqTimeS > 0 ? Date.now() + settings.lapqTimeS * 1000 : Infinity;
  // a full sweep is about 3 evaluations per parameter; the bar counts evaluations against that
  const expected = settings.lapqIters * (params.size + 1) * 3;
  let evals = 0;
  let best = Number.isFinite(state.fx) ? state.fx : Infinity;
  const f = async (x: Float64Array) => {
    const v = await e.loss(applyLapq(start, params, x));
    evals++;
    if (v < best) best = v;
    opts.onProgress?.(
      clock.event({ stage: 'search', index: Math.min(evals, expected), total: expected, name: `LAPQ ${kind} loss ${best.toPrecision(4)} (evaluation ${evals0 + evals})` }),
    );
    return v;
  };
  const stopped = () => opts.shouldStop?.() === true;
  const f0 = Number.isFinite(state.fx) ? state.fx : await f(x0);
  if (stopped()) throw new CalibrationCancelled();
  const save = (x: Float64Array, fx: number) => {
    state = { start, x: Array.from(x), fx, f0: Number.isFinite(state!.f0) ? state!.f0 : f0, evals: evals0 + evals };
    if (ckpt) writeLapqCheckpoint(ckpt, fingerprint, state);
  };
  save(x0, f0);
  const r = await powell(f, x0, {
    step: STEP,
    ...REFINE,
    maxSweeps: settings.lapqIters,
    f0,
    shouldStop: stopped,
    timeUp: () => Date.now() > tBudget,
    onImprove: (x, fx) => save(x, fx),
  });
  if (r.stop === 'cancelled') throw new CalibrationCancelled();
  const tuned = applyLapq(start, params, r.x);
  const table = {
    ...tuned,
    method: settings.method,
    settings: {
      ...start.settings,
      ...lapqResultSettings(settings),
      lapqLossUsed: kind,
      lapqLossStart: state.f0,
      lapqLossEnd: r.fx,
      lapqEvaluations: evals0 + evals,
      lapqStop: r.stop,
    },
    createdAt: new Date().toISOString(),
  };
  if (ckpt) {
    removeCheckpoint(ckpt);
    removeCheckpoint(`${ckpt}.start.json`);
  }
  return { table, plan, seconds: (performance.now() - t0) / 1000, groups, accel: e.accel, resumedGroups: 0 };
}

function lapqResultSettings(s: CalibSettings): Record<string, unknown> {
  return {
    method: s.method,
    lapqLoss: s.lapqLoss,
    lapqIters: s.lapqIters,
    lapqTimeS: s.lapqTimeS,
    lapqWeights: s.lapqWeights,
    ...(s.method === 'lapq' ? { lapqInit: s.lapqInit } : {}),
  };
}
