/**
 * Calibration settings have one schema (contract/calib-settings.ts): its defaults are the
 * paper's, its errors name the CLI flag, and the fingerprints of existing checkpoints and
 * scales.json files do not change.
 */
import { describe, expect, it } from 'vitest';
import {
  CalibRunSettingsSchema,
  CalibSettingsSchema,
  DEFAULT_RUN_SETTINGS,
  DEFAULT_SETTINGS,
  type CalibSettings,
  parseCalibRunSettings,
  parseCalibSettings,
} from '../../src-main/contract/calib-settings.js';
import { runFingerprint } from '../../src-main/io/checkpoint.js';
import { qmaxForBits } from '../../src-main/core/quant/scale-table.js';

// the defaults as the hand-written DEFAULT_SETTINGS had them before the schema
const LAPQ_DEFAULTS = { lapqLoss: 'auto', lapqIters: 2, lapqTimeS: 0, lapqWeights: false };
const BEFORE = {
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
} as const;
// settings added since, off by default
const NOW_L = { ...BEFORE, biasCorrection: false, unsignedActivations: false, ...LAPQ_DEFAULTS, weightRounding: 'nearest', lapqInit: 'lp' } as const;

describe('calibration settings schema', () => {
  it('defaults come from the schema and are the paper defaults', () => {
    expect(DEFAULT_SETTINGS).toEqual(NOW_L);
    expect(Object.keys(DEFAULT_SETTINGS)).toEqual(Object.keys(NOW_L));
    expect(DEFAULT_RUN_SETTINGS).toEqual({ ...NOW_L, calibImages: 50 });
  });

  it('fills what is left out and keeps what is given', () => {
    const s = parseCalibSettings({ bits: 7, strategy: 'coarse-fine', threads: 3, rounds: 'converge' });
    expect(s).toEqual({ ...NOW_L, bits: 7, strategy: 'coarse-fine', threads: 3, rounds: 'converge' });
    // parsing is idempotent: a parsed object passes through again unchanged (the worker parses once more)
    expect(parseCalibSettings(s)).toEqual(s);
  });

  it('errors name the flag and the value', () => {
    expect(() => parseCalibSettings({ bits: 9 })).toThrow('invalid calibration setting: --bits must be an integer from 4 to 8 (got 9)');
    expect(() => parseCalibSettings({ bits: 3 })).toThrow(/--bits must be an integer from 4 to 8 \(got 3\)/);
    expect(() => parseCalibSettings({ steps: 0 })).toThrow(/--steps must be an integer >= 1 \(got 0\)/);
    expect(() => parseCalibSettings({ samplePositions: -1 })).toThrow(/--sample-positions must be an integer >= 0 \(got -1\)/);
    expect(() => parseCalibSettings({ roundsEps: 0 })).toThrow(/--rounds-eps must be > 0 \(got 0\)/);
    expect(() => parseCalibSettings({ rounds: 'forever' })).toThrow(/--rounds must be an integer from 1 to 20 or 'converge' \(got 'forever'\)/);
    expect(() => parseCalibSettings({ method: 'best' })).toThrow(/--method must be eq, minmax, kl, percentile, lapq or eq\+lapq \(got 'best'\)/);
    expect(() => parseCalibSettings({ threads: 1.5 })).toThrow(/--threads must be an integer from 0 \(all CPUs\) to 256 \(got 1.5\)/);
    expect(() => parseCalibSettings({ alpha: 2, beta: 1 })).toThrow(/--beta must be greater than --alpha \(got alpha 2, beta 1\)/);
    expect(() => parseCalibSettings({ bitz: 8 })).toThrow(/unknown setting\(s\) bitz/);
    expect(() => parseCalibSettings({ biasCorrection: 'yes' })).toThrow(/--bias-correction must be true or false \(got 'yes'\)/);
    expect(() => parseCalibRunSettings({ calibImages: 0 })).toThrow(/--calib must be an integer from 1 to 100000 \(got 0\)/);
  });

  it('one bit range (4..8) for settings, the form and qmax', () => {
    for (const schema of [CalibSettingsSchema, CalibRunSettingsSchema]) {
      expect(schema.safeParse({ bits: 4 }).success).toBe(true);
      expect(schema.safeParse({ bits: 8 }).success).toBe(true);
      expect(schema.safeParse({ bits: 3 }).success).toBe(false);
      expect(schema.safeParse({ bits: 9 }).success).toBe(false);
    }
    expect(qmaxForBits(4)).toBe(7);
    expect(() => qmaxForBits(3)).toThrow(/from 4 to 8/);
  });

  it('checkpoint fingerprints of existing runs stay the same', () => {
    const samples = [new Float32Array([1, 2, 3])];
    // a run stored before the LAPQ settings existed
    const old = runFingerprint('ab'.repeat(32), samples, { ...BEFORE, checkpoint: '/x.json', resume: true } as unknown as CalibSettings, ['in']);
    const now = runFingerprint('ab'.repeat(32), samples, parseCalibSettings({ checkpoint: '/y.json', resume: false, threads: 4, accel: 'ts' }), ['in']);
    expect(now).toBe(old);
    // a setting that changes the result changes it
    expect(runFingerprint('ab'.repeat(32), samples, parseCalibSettings({ steps: 99 }), ['in'])).not.toBe(old);
    expect(runFingerprint('ab'.repeat(32), samples, parseCalibSettings({ biasCorrection: true }), ['in'])).not.toBe(old);
    // the searches score the grid the table runs on
    expect(runFingerprint('ab'.repeat(32), samples, parseCalibSettings({ unsignedActivations: true }), ['in'])).not.toBe(old);
    // LAPQ settings count for LAPQ runs only
    expect(runFingerprint('ab'.repeat(32), samples, parseCalibSettings({ lapqIters: 7 }), ['in'])).toBe(old);
    const lapq = (o: object) => runFingerprint('ab'.repeat(32), samples, parseCalibSettings({ method: 'eq+lapq', ...o }), ['in']);
    expect(lapq({ lapqIters: 7 })).not.toBe(lapq({}));
    expect(lapq({ lapqWeights: true })).not.toBe(lapq({}));
    expect(lapq({ lapqInit: 'minmax' })).not.toBe(lapq({}));
  });

  it('LAPQ settings: methods, loss choices and budgets are checked', () => {
    expect(parseCalibSettings({ method: 'lapq' }).method).toBe('lapq');
    expect(parseCalibSettings({ method: 'eq+lapq', lapqLoss: 'mse', lapqIters: 3, lapqTimeS: 12.5, lapqWeights: true })).toMatchObject({
      lapqLoss: 'mse',
      lapqIters: 3,
      lapqTimeS: 12.5,
      lapqWeights: true,
    });
    expect(() => parseCalibSettings({ method: 'lapq2' })).toThrow(/--method must be eq, minmax, kl, percentile, lapq or eq\+lapq \(got 'lapq2'\)/);
    expect(() => parseCalibSettings({ lapqLoss: 'ce' })).toThrow(/--lapq-loss must be auto, kl or mse \(got 'ce'\)/);
    expect(() => parseCalibSettings({ lapqIters: 0 })).toThrow(/--lapq-iters must be an integer from 1 to 50 \(got 0\)/);
    expect(() => parseCalibSettings({ lapqTimeS: -1 })).toThrow(/--lapq-time-s must be a number >= 0 \(got -1\)/);
    expect(() => parseCalibSettings({ lapqWeights: 'yes' })).toThrow(/--lapq-weights must be true or false \(got 'yes'\)/);
    expect(parseCalibSettings({ method: 'lapq', lapqInit: 'minmax' }).lapqInit).toBe('minmax');
    expect(() => parseCalibSettings({ lapqInit: 'kl' })).toThrow(/--lapq-init must be lp or minmax \(got 'kl'\)/);
  });
});

describe('the Calibrate page and the API', () => {
  it('β ≤ α is named with the page labels through the API schema', () => {
    const r = CalibRunSettingsSchema.safeParse({ alpha: 0.5, beta: 0.4 });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['beta', 'β (0.4) must be greater than α (0.5)']]);
  });
});
