/** Helpers shared by several op definitions. */
import type { EqmDType } from '../format.js';
import type { IntOp } from '../../engine/int-program.js';
import type { DecodeCtx, LowerCtx } from './types.js';

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

/** Emits make(out); when the input scale s0 is not the output's, make(tmp) and a requantize to it. */
export function pushRescaled(c: LowerCtx, s0: number, make: (output: string) => IntOp, input: string): void {
  // the op keeps its input's zero offset, so a different output offset needs the requantize too
  if (s0 === c.outScale && c.zero(input) === c.outZero) {
    c.push(make(c.out));
    return;
  }
  const tmp = `${c.outT}::pre`;
  c.setZero(tmp, c.zero(input));
  c.push(make(tmp));
  c.push({ kind: 'requantize', input: tmp, output: c.out, mult: f32(c.outScale / s0) });
}
