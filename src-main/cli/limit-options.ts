/** --max-gmacs / --max-activation-gb: the resource budget of calibrate, eval and compile (see pipeline/model-limits.ts). */
import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LIMITS, type ModelLimits } from '../pipeline/model-limits.js';

function positive(name: string) {
  return (v: string): number => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x) || x <= 0) throw new InvalidArgumentError(`${name} must be a positive number (got '${v}')`);
    return x;
  };
}

export const maxGmacsOption = () =>
  new Option('--max-gmacs <n>', `refuse a model over n G multiply-accumulates per run (default: EQ_MAX_GMACS or ${DEFAULT_LIMITS.maxGmacs})`).argParser(positive('--max-gmacs'));

export const maxActivationOption = () =>
  new Option(
    '--max-activation-gb <n>',
    `refuse a model whose largest activation exceeds n GB as float32 (default: EQ_MAX_ACTIVATION_GB or ${DEFAULT_LIMITS.maxActivationGb})`,
  ).argParser(positive('--max-activation-gb'));

/** The limits given on the command line (commander's camel-cased option values). */
export function limitsFrom(o: object): Partial<ModelLimits> {
  const v = o as { maxGmacs?: number; maxActivationGb?: number };
  return { maxGmacs: v.maxGmacs, maxActivationGb: v.maxActivationGb };
}
