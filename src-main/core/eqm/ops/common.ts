/** Helpers shared by several op definitions. */
import type { EqmDType } from '../format.js';
import type { DecodeCtx } from './types.js';

export const f32 = Math.fround;

export function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function clipQ(v: number, lo: number, hi: number): number {
  return v > hi ? hi : v < lo ? lo : v;
}

/** quantize / dequantize / requantize records: input, output, one positive float32 value */
export function decodeScaled(c: DecodeCtx, what: string, inType: EqmDType, outType: EqmDType): { input: number; output: number; v: number } {
  const input = c.ref(`${what} input`, inType);
  const output = c.ref(`${what} output`, outType);
  const v = c.r.f32(`${what} scale`);
  if (!(Number.isFinite(v) && v > 0)) c.bad(`${what}: invalid scale/multiplier ${v}`);
  if (c.numel(input) !== c.numel(output)) c.bad(`${what}: input and output sizes differ`);
  c.use(input, what);
  c.produce(output, what);
  return { input, output, v };
}

/** qrelu / qreshape records: int8 input and output of the same size */
export function decodeSameSize(c: DecodeCtx, what: string): { input: number; output: number } {
  const input = c.ref(`${what} input`, 'int8');
  const output = c.ref(`${what} output`, 'int8');
  if (c.numel(input) !== c.numel(output)) c.bad(`${what}: input and output sizes differ`);
  c.use(input, what);
  c.produce(output, what);
  return { input, output };
}
