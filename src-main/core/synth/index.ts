/**
 * Synthetic benchmark networks: standard CNN topologies with random (seeded) weights, as
 * ONNX ModelProto bytes (opset 13, input `input` NCHW float32 [1,3,size,size], output
 * `logits` [1,1000]). Inference speed does not depend on weight values, and the weights
 * are scaled (Kaiming init, BN statistics from a calibration batch) so activations stay
 * in a sane range, which keeps quantization experiments on them meaningful.
 */
import type { SynthInfo, SynthResult } from './builder.js';
import { buildMobileNetV2 } from './mobilenetv2.js';
import { buildResNet18 } from './resnet18.js';

export type { SynthInfo, SynthResult } from './builder.js';

export { SYNTH_ARCHS, type SynthArch } from '../../contract/synth.js';
import { SYNTH_ARCHS, type SynthArch } from '../../contract/synth.js';

export const SYNTH_MIN_SIZE = 32;
export const SYNTH_MAX_SIZE = 1024;

export interface SynthOptions {
  arch: SynthArch;
  /** input height = width; a multiple of 32 in 32..1024 */
  size: number;
  /** PRNG seed, an integer in 0..2^32-1 */
  seed: number;
}

const BUILDERS: Record<SynthArch, (size: number, seed: number) => SynthResult> = {
  resnet18: buildResNet18,
  mobilenetv2: buildMobileNetV2,
};

export function isSynthArch(a: string): a is SynthArch {
  return (SYNTH_ARCHS as readonly string[]).includes(a);
}

function validate(o: SynthOptions): void {
  if (!isSynthArch(String(o.arch))) {
    throw new Error(`synth: unknown architecture '${String(o.arch)}' (available: ${SYNTH_ARCHS.join(', ')})`);
  }
  const s = o.size;
  if (typeof s !== 'number' || !Number.isInteger(s) || s < SYNTH_MIN_SIZE || s > SYNTH_MAX_SIZE || s % 32 !== 0) {
    throw new Error(`synth: input size must be a multiple of 32 between ${SYNTH_MIN_SIZE} and ${SYNTH_MAX_SIZE}, got ${String(s)}`);
  }
  const seed = o.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`synth: seed must be an integer between 0 and 4294967295, got ${String(seed)}`);
  }
}

/** Builds the model and reports its parameter / MAC / layer counts. */
export function synthModelWithInfo(o: SynthOptions): SynthResult {
  validate(o);
  return BUILDERS[o.arch](o.size, o.seed);
}

/** ONNX ModelProto bytes of the synthetic network; the same options always give the same bytes. */
export function synthModel(o: SynthOptions): Uint8Array {
  return synthModelWithInfo(o).bytes;
}

/** Counts only (builds the model: the BN statistics need the calibration pass). */
export function synthInfo(o: SynthOptions): SynthInfo {
  return synthModelWithInfo(o).info;
}
