/**
 * Bias correction (Nagel et al. 2019, Banner et al. 2019): quantization shifts the mean of a
 * layer's output channels, E[Ŵx̂ − Wx] ≠ 0. Measured on the calibration images (x̂ from the
 * already-quantized network, x from FP32), that mean is subtracted from the layer's bias.
 * A table layer carries it as `biasDelta` (added to the FP32 bias before the bias is
 * quantized); every engine and export takes the bias through `correctedBias`.
 */
import type { LinearGeom } from './linear-geom.js';

/** Running per-channel mean of (quantized − FP32) over [cout][np] blocks. */
export class ChannelErrorMean {
  private readonly sum: Float64Array;
  private count = 0;

  constructor(readonly cout: number) {
    this.sum = new Float64Array(cout);
  }

  /** `q` and `ref`: one image's [cout][np] outputs at the same positions */
  add(q: ArrayLike<number>, ref: ArrayLike<number>): void {
    if (q.length !== ref.length || q.length % this.cout !== 0) {
      throw new Error(`bias correction: outputs of ${q.length} and ${ref.length} values do not split into ${this.cout} channels`);
    }
    const np = q.length / this.cout;
    for (let c = 0; c < this.cout; c++) {
      let s = 0;
      for (let j = 0; j < np; j++) s += q[c * np + j]! - ref[c * np + j]!;
      this.sum[c]! += s;
    }
    this.count += np;
  }

  /** The bias delta (−mean error per channel, float32 values); zeros when nothing was added. */
  delta(): number[] {
    return Array.from(this.sum, (s) => (this.count === 0 ? 0 : Math.fround(-s / this.count) || 0));
  }
}

/** Adds a per-channel delta to a tensor in the layer's output layout (NCHW, or [M][N] for Gemm). */
export function addChannelDelta(g: LinearGeom, t: Float32Array, delta: readonly number[]): void {
  for (let c = 0; c < g.cout; c++) {
    const d = delta[c]!;
    if (d === 0) continue;
    if (g.kind === 'conv') for (let p = 0; p < g.P; p++) t[c * g.P + p]! += d;
    else for (let p = 0; p < g.P; p++) t[p * g.cout + c]! += d;
  }
}

/** The bias the quantized layer uses: float32(b + delta), or `bias` itself without a delta. */
export function correctedBias(bias: Float32Array, delta: readonly number[] | undefined): Float32Array {
  if (!delta) return bias;
  if (delta.length !== bias.length) throw new Error(`bias correction: ${delta.length} deltas for ${bias.length} output channels`);
  return Float32Array.from(bias, (b, c) => b + delta[c]!);
}
