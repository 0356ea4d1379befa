/**
 * The arithmetic every quantized engine must reproduce bit for bit (TypeScript reference,
 * native kernels, device runner):
 *   - scales and multipliers are float32 values;
 *   - a product x*S is rounded to float32 (one IEEE multiply, no FMA);
 *   - float→int rounding is round-half-to-even (what SIMD cvtps2dq / lrintf do and what
 *     ONNX QuantizeLinear specifies), then clipping to [-qmax, qmax].
 */
const f32 = Math.fround;

/** Round half to even, for finite values. */
export function rne(v: number): number {
  const r = Math.round(v); // half up
  if (r - v === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** Q(x, S) = clip(rne(f32(x*S)), -qmax, qmax) with S a float32 scale. */
export function quantizeValue(x: number, scale: number, qmax: number): number {
  const q = rne(f32(x * scale));
  return q > qmax ? qmax : q < -qmax ? -qmax : q;
}

export function quantizeArray(x: ArrayLike<number>, scale: number, qmax: number, out?: Int8Array): Int8Array {
  const s = f32(scale);
  const o = out ?? new Int8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const q = rne(f32(x[i]! * s));
    o[i] = q > qmax ? qmax : q < -qmax ? -qmax : q;
  }
  return o;
}

/** Fake quantization: Q(x,S)/S, as float32 values. */
export function fakeQuantArray(x: ArrayLike<number>, scale: number, qmax: number, out?: Float32Array): Float32Array {
  const s = f32(scale);
  const inv = 1 / s;
  const o = out ?? new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const q = rne(f32(x[i]! * s));
    o[i] = (q > qmax ? qmax : q < -qmax ? -qmax : q) * inv;
  }
  return o;
}

/** Requantization of an integer accumulator: clip(rne(f32(f32(acc) * M)), lo, hi). */
export function requantValue(acc: number, mult: number, lo: number, hi: number): number {
  const q = rne(f32(f32(acc) * mult));
  return q > hi ? hi : q < lo ? lo : q;
}

/**
 * Below this max |x| a tensor (or weight channel) counts as zero: qmax / max|x| would overflow
 * float32 (qmax / 3e-39 is Infinity), and every scale quantizes it to 0.
 */
export const NEGLIGIBLE_MAX_ABS = 1e-30;

/** Max-abs scale: qmax / max|x|; an all-(near-)zero tensor gets scale 1 (it quantizes to 0). */
export function maxAbsScale(maxAbs: number, qmax: number): number {
  return maxAbs >= NEGLIGIBLE_MAX_ABS && Number.isFinite(maxAbs) ? qmax / maxAbs : 1;
}
