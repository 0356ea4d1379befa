/** Calibration settings shared by all calibrators, with validation and the paper's defaults. */
import type { CalibMethod } from '../quant/scale-table.js';

export interface CalibSettings {
  method: CalibMethod;
  bits: number;
  /** EQ search range [alpha*S, beta*S] and number of grid points */
  alpha: number;
  beta: number;
  steps: number;
  /** EQ alternation rounds: a count, or until the objective gains less than roundsEps (at most maxRounds) */
  rounds: number | 'converge';
  roundsEps: number;
  maxRounds: number;
  /** EQ initial scales */
  init: 'maxabs' | 'kl';
  /** EQ inputs of the quantized side: from the already-quantized network (paper) or FP32 (ncnn's variant) */
  inputs: 'quantized' | 'fp32';
  /** output positions per image scored by EQ (uniform sample; 0 = all) */
  samplePositions: number;
  /** percentile for the Percentile calibrator */
  percentile: number;
  /** KL histogram bins */
  klBins: number;
  /** EQ candidate strategy: the paper's plain grid, or a coarse grid refined around its best point */
  strategy: 'grid' | 'coarse-fine';
  /** EQ scoring engine: native kernels, the TypeScript reference, or native when the addon loads (same scales) */
  accel: 'auto' | 'native' | 'ts';
  /** worker threads of the native search (0 = all CPUs available to the process) */
  threads: number;
  /** EQ: checkpoint file written after every layer group (none when unset) */
  checkpoint?: string;
  /** EQ: go on from the checkpoint when it is valid for this run */
  resume?: boolean;
}

/** Settings that do not change the result (left out of scales.json and of checkpoint fingerprints). */
export const EXECUTION_SETTINGS = ['accel', 'threads', 'checkpoint', 'resume'] as const;

export const DEFAULT_SETTINGS: CalibSettings = {
  method: 'eq',
  bits: 8,
  alpha: 0.5,
  beta: 2,
  steps: 100,
  rounds: 1,
  roundsEps: 1e-5,
  maxRounds: 5,
  init: 'maxabs',
  inputs: 'quantized',
  samplePositions: 64,
  percentile: 99.99,
  klBins: 2048,
  strategy: 'grid',
  accel: 'auto',
  threads: 0,
};

export function validateSettings(s: CalibSettings): void {
  const bad = (m: string) => {
    throw new Error(`invalid calibration setting: ${m}`);
  };
  if (!['eq', 'minmax', 'kl', 'percentile'].includes(s.method)) bad(`--method must be eq, minmax, kl or percentile (got '${s.method}')`);
  if (!Number.isInteger(s.bits) || s.bits < 4 || s.bits > 8) bad(`--bits must be an integer from 4 to 8 (got ${s.bits})`);
  if (!(s.alpha > 0)) bad(`--alpha must be > 0 (got ${s.alpha})`);
  if (!(s.beta > s.alpha)) bad(`--beta must be greater than --alpha (got alpha ${s.alpha}, beta ${s.beta})`);
  if (!Number.isInteger(s.steps) || s.steps < 1) bad(`--steps must be an integer >= 1 (got ${s.steps})`);
  if (s.rounds !== 'converge' && (!Number.isInteger(s.rounds) || s.rounds < 1)) bad(`--rounds must be an integer >= 1 or 'converge' (got ${s.rounds})`);
  if (!Number.isInteger(s.samplePositions) || s.samplePositions < 0) bad(`--sample-positions must be an integer >= 0 (got ${s.samplePositions})`);
  if (!['grid', 'coarse-fine'].includes(s.strategy)) bad(`--strategy must be grid or coarse-fine (got '${s.strategy}')`);
  if (!['auto', 'native', 'ts'].includes(s.accel)) bad(`--accel must be auto, native or ts (got '${s.accel}')`);
  if (!Number.isInteger(s.threads) || s.threads < 0 || s.threads > 256) bad(`--threads must be an integer from 0 (all CPUs) to 256 (got ${s.threads})`);
  if (!(s.percentile > 0 && s.percentile <= 100)) bad(`--percentile must be in (0, 100] (got ${s.percentile})`);
}

/**
 * The EQ grid: factors alpha + k*(beta-alpha)/(steps-1). The initial scale (factor 1) is
 * always on the grid — ncnn's grid misses it, so its search can end worse than its start.
 */
export function gridFactors(alpha: number, beta: number, steps: number): number[] {
  if (steps === 1) return [1];
  const f: number[] = [];
  for (let k = 0; k < steps; k++) f.push(alpha + (k * (beta - alpha)) / (steps - 1));
  if (alpha <= 1 && beta >= 1) {
    let best = 0;
    for (let k = 1; k < steps; k++) if (Math.abs(f[k]! - 1) < Math.abs(f[best]! - 1)) best = k;
    // a grid point equal to 1 up to rounding becomes exactly 1; otherwise 1 is added
    if (Math.abs(f[best]! - 1) <= 1e-9) f[best] = 1;
    else f.splice(f.findIndex((x) => x > 1), 0, 1);
  }
  return f;
}
