/**
 * Calibration settings: the one schema behind the CLI flags, the Calibrate page, the API, the
 * stored runs and the calibrator. Its defaults are the paper's; its ranges are the only checks.
 *
 * Bit width: 4..8 everywhere (settings, scales.json, qmax). Below 4 bits a per-tensor
 * symmetric scale leaves at most 7 levels and the EQ search has nothing left to pick from.
 */
import { z } from 'zod';

export const BITS_MIN = 4;
export const BITS_MAX = 8;
export const CALIB_METHODS = ['eq', 'minmax', 'kl', 'percentile', 'lapq', 'eq+lapq'] as const;
export type CalibMethodName = (typeof CALIB_METHODS)[number];
/** The values of every choice setting (the CLI's --init/--inputs/--strategy/--accel choices). */
export const SETTING_CHOICES = {
  method: CALIB_METHODS,
  init: ['maxabs', 'kl'],
  inputs: ['quantized', 'fp32'],
  strategy: ['grid', 'coarse-fine'],
  accel: ['auto', 'native', 'ts'],
  lapqLoss: ['auto', 'kl', 'mse'],
  lapqInit: ['lp', 'minmax'],
  weightRounding: ['nearest', 'adaround'],
} as const;

const intIn = (lo: number, hi: number, msg: string) => z.int({ error: msg }).min(lo, msg).max(hi, msg);
const positive = (msg: string) => z.number({ error: msg }).positive(msg).finite(msg);
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, msg: string) => z.enum(values, { error: msg });

const fields = {
  method: oneOf(CALIB_METHODS, 'must be eq, minmax, kl, percentile, lapq or eq+lapq').default('eq'),
  bits: intIn(BITS_MIN, BITS_MAX, `must be an integer from ${BITS_MIN} to ${BITS_MAX}`).default(8),
  /** EQ search range [alpha*S, beta*S] and number of grid points */
  alpha: positive('must be > 0').default(0.5),
  beta: positive('must be > 0').default(2),
  steps: z.int({ error: 'must be an integer >= 1' }).min(1, 'must be an integer >= 1').max(10000, 'must be an integer <= 10000').default(100),
  /** EQ alternation rounds: a count, or until the objective gains less than roundsEps (at most maxRounds) */
  rounds: z.union([intIn(1, 20, ''), z.literal('converge')], { error: "must be an integer from 1 to 20 or 'converge'" }).default(1),
  roundsEps: positive('must be > 0').default(1e-5),
  maxRounds: intIn(1, 100, 'must be an integer from 1 to 100').default(5),
  /** EQ initial scales */
  init: oneOf(SETTING_CHOICES.init, 'must be maxabs or kl').default('maxabs'),
  /** EQ inputs of the quantized side: from the already-quantized network (paper) or FP32 (ncnn's variant) */
  inputs: oneOf(SETTING_CHOICES.inputs, 'must be quantized or fp32').default('quantized'),
  /** output positions per image scored by EQ (uniform sample; 0 = all) */
  samplePositions: z.int({ error: 'must be an integer >= 0' }).min(0, 'must be an integer >= 0').default(64),
  /** percentile for the Percentile calibrator */
  percentile: z.number({ error: 'must be in (0, 100]' }).gt(0, 'must be in (0, 100]').lte(100, 'must be in (0, 100]').default(99.99),
  /** KL histogram bins */
  klBins: intIn(16, 1 << 20, 'must be an integer from 16 to 1048576').default(2048),
  /** EQ candidate strategy: the paper's plain grid, or a coarse grid refined around its best point */
  strategy: oneOf(SETTING_CHOICES.strategy, 'must be grid or coarse-fine').default('grid'),
  /** EQ scoring engine: native kernels, the TypeScript reference, or native when the addon loads (same scales) */
  accel: oneOf(SETTING_CHOICES.accel, 'must be auto, native or ts').default('auto'),
  /** worker threads of the native search (0 = all CPUs available to the process) */
  threads: intIn(0, 256, 'must be an integer from 0 (all CPUs) to 256').default(0),
  /** every method: subtract each quantized layer's mean per-channel output error (measured on the calibration images) from its bias */
  biasCorrection: z.boolean({ error: 'must be true or false' }).default(false),
  /** every method: non-negative activations (ReLU outputs) on the unsigned grid, scale 2S and zero offset qmax (core/quant/unsigned-acts.ts) */
  unsignedActivations: z.boolean({ error: 'must be true or false' }).default(false),
  /** LAPQ objective: KL of softmax, MSE of the outputs, or auto (KL for a single [N, C] output, MSE otherwise) */
  lapqLoss: oneOf(SETTING_CHOICES.lapqLoss, 'must be auto, kl or mse').default('auto'),
  /** LAPQ: Powell sweeps over all parameters (the search stops earlier when a sweep gains nothing) */
  lapqIters: intIn(1, 50, 'must be an integer from 1 to 50').default(2),
  /** LAPQ: time budget of the joint search in seconds (0 = only lapqIters bounds it) */
  lapqTimeS: z.number({ error: 'must be a number >= 0' }).min(0, 'must be a number >= 0').finite('must be a number >= 0').default(0),
  /** LAPQ: also one weight-scale multiplier per layer */
  lapqWeights: z.boolean({ error: 'must be true or false' }).default(false),
  /** every method: weights rounded to nearest, or per layer to minimise its output error on the calibration images (AdaRound-style, core/quant/weight-rounding.ts) */
  weightRounding: oneOf(SETTING_CHOICES.weightRounding, 'must be nearest or adaround').default('nearest'),
  /** `--method lapq` start: the Lp-optimal clipping (p in 2..4 chosen by the output loss, as the paper) or MinMax (eq+lapq starts from EQ) */
  lapqInit: oneOf(SETTING_CHOICES.lapqInit, 'must be lp or minmax').default('lp'),
};

const betaAboveAlpha = (s: { alpha: number; beta: number }, ctx: z.RefinementCtx) => {
  // the message speaks the Calibrate page's labels; `flags` is the CLI's wording
  if (!(s.beta > s.alpha)) {
    ctx.addIssue({
      code: 'custom',
      path: ['beta'],
      message: `β (${s.beta}) must be greater than α (${s.alpha})`,
      params: { flags: `must be greater than --alpha (got alpha ${s.alpha}, beta ${s.beta})` },
    });
  }
};

export const CalibSettingsSchema = z
  .strictObject({
    ...fields,
    /** EQ: checkpoint file written after every layer group (none when unset) */
    checkpoint: z.string().min(1).optional(),
    /** EQ: go on from the checkpoint when it is valid for this run */
    resume: z.boolean().optional(),
  })
  .superRefine(betaAboveAlpha);

export type CalibSettings = z.infer<typeof CalibSettingsSchema>;
/** The fields a user sets (CLI flags, the Calibrate page). */
export const CALIB_SETTING_KEYS = Object.keys(fields) as (keyof typeof fields)[];
/** What callers may pass: any field left out gets its default. */
export type CalibSettingsInput = z.input<typeof CalibSettingsSchema>;

/** Settings that do not change the result (left out of scales.json and of checkpoint fingerprints). */
export const EXECUTION_SETTINGS = ['accel', 'threads', 'checkpoint', 'resume'] as const;

/**
 * A run of the app: the settings (the app handles checkpoints itself) and how many images.
 * The Calibrate page sends it, the store keeps it, the worker gets it as it is.
 */
export const CalibRunSettingsSchema = z
  .strictObject({
    ...fields,
    calibImages: intIn(1, 100000, 'must be an integer from 1 to 100000').default(50),
  })
  .superRefine(betaAboveAlpha);

export type CalibRunSettings = z.infer<typeof CalibRunSettingsSchema>;
export type CalibRunSettingsInput = z.input<typeof CalibRunSettingsSchema>;

export const DEFAULT_SETTINGS: CalibSettings = CalibSettingsSchema.parse({});
/** The Calibrate page's initial form (plain data: the renderer copies it). */
export const DEFAULT_RUN_SETTINGS: CalibRunSettings = CalibRunSettingsSchema.parse({});

/** camelCase field → its CLI flag (samplePositions → --sample-positions; calibImages is --calib). */
export function settingFlag(key: string): string {
  if (key === 'calibImages') return '--calib';
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function shown(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : v === undefined ? 'nothing' : (JSON.stringify(v) ?? String(v));
}

/** One line per problem, naming the flag and the value given. */
export function describeSettingsError(err: z.ZodError, input: unknown): string {
  return err.issues
    .map((i) => {
      if (i.code === 'unrecognized_keys') return `unknown setting(s) ${i.keys.join(', ')}`;
      const key = String(i.path[0] ?? '');
      if (!key) return i.message;
      const got = (input as Record<string, unknown> | null)?.[key];
      if (i.code === 'custom') return `${settingFlag(key)} ${String(i.params?.['flags'] ?? i.message)}`;
      return `${settingFlag(key)} ${i.message} (got ${shown(got)})`;
    })
    .join('; ');
}

export class CalibSettingsError extends Error {
  constructor(message: string) {
    super(`invalid calibration setting: ${message}`);
    this.name = 'CalibSettingsError';
  }
}

/** Parses settings (defaults filled in) or throws CalibSettingsError naming the flag. */
export function parseCalibSettings(input: unknown): CalibSettings {
  const r = CalibSettingsSchema.safeParse(input ?? {});
  if (!r.success) throw new CalibSettingsError(describeSettingsError(r.error, input));
  return r.data;
}

/** The same for a run's settings (the Calibrate page's form, a stored run). */
export function parseCalibRunSettings(input: unknown): CalibRunSettings {
  const r = CalibRunSettingsSchema.safeParse(input ?? {});
  if (!r.success) throw new CalibSettingsError(describeSettingsError(r.error, input));
  return r.data;
}

/** Throws CalibSettingsError when `s` breaks a range (the calibrator's entry check). */
export function validateSettings(s: CalibSettings): void {
  parseCalibSettings(s);
}
