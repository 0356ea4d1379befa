/**
 * Per-output error of a quantized engine against the FP32 reference, for any model: cosine
 * similarity per image (mean and min over images), SQNR over all elements of all images, and
 * the largest absolute error. A one-value output (a presence flag, a score) has no per-image
 * cosine (it would only compare signs): its cosine is taken over the vector of all images.
 */
import { cosine } from '../quant/fake-quant-layer.js';

export interface OutputError {
  cosine_mean: number;
  cosine_min: number;
  /** 10·log10(Σx² / Σ(x−x̂)²) over all images; null when not finite: identical outputs (max_abs_err 0) or an all-zero reference */
  sqnr_db: number | null;
  max_abs_err: number;
}

/** Signal-to-quantization-noise ratio in dB; Infinity for identical outputs, -Infinity for a zero signal with noise. */
export function sqnrDb(signal: number, noise: number): number {
  if (noise === 0) return Infinity;
  return 10 * Math.log10(signal / noise);
}

class OneOutput {
  images = 0;
  cosSum = 0;
  cosMin = Infinity;
  signal = 0;
  noise = 0;
  maxErr = 0;
  /** the values of a one-value output, image by image */
  scalars: { ref: number[]; q: number[] } | undefined;

  add(ref: ArrayLike<number>, q: ArrayLike<number>): void {
    if (ref.length === 1 && (this.scalars || this.images === 0)) {
      this.scalars ??= { ref: [], q: [] };
      this.scalars.ref.push(ref[0]!);
      this.scalars.q.push(q[0]!);
    } else this.scalars = undefined;
    const c = cosine(ref, q);
    this.images++;
    this.cosSum += c;
    this.cosMin = Math.min(this.cosMin, c);
    for (let i = 0; i < ref.length; i++) {
      const x = ref[i]!;
      const e = x - q[i]!;
      this.signal += x * x;
      this.noise += e * e;
      const a = Math.abs(e);
      if (a > this.maxErr) this.maxErr = a;
    }
  }

  summary(): OutputError {
    const s = sqnrDb(this.signal, this.noise);
    const pooled = this.scalars ? cosine(this.scalars.ref, this.scalars.q) : undefined;
    return { cosine_mean: pooled ?? this.cosSum / this.images, cosine_min: pooled ?? this.cosMin, sqnr_db: Number.isFinite(s) ? s : null, max_abs_err: this.maxErr };
  }
}

/** Accumulates, per named output, the error of the quantized output against the reference. */
export class OutputErrorStats {
  private readonly outs = new Map<string, OneOutput>();

  add(name: string, ref: ArrayLike<number>, q: ArrayLike<number>): void {
    if (ref.length !== q.length) throw new Error(`output '${name}': the quantized engine gave ${q.length} values, the FP32 reference ${ref.length}`);
    let o = this.outs.get(name);
    if (!o) this.outs.set(name, (o = new OneOutput()));
    o.add(ref, q);
  }

  summary(): Record<string, OutputError> {
    const r: Record<string, OutputError> = {};
    for (const [k, o] of this.outs) r[k] = o.summary();
    return r;
  }
}
