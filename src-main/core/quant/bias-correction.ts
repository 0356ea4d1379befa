/**
 * Bias correction (Nagel et al. 2019, Banner et al. 2019): quantization shifts the mean of a
 * layer's output channels, E[Ŵx̂ − Wx] ≠ 0. Measured on the calibration images (x̂ from the
 * already-quantized network, x from FP32), that mean is subtracted from the layer's bias.
 * A table layer carries it as `biasDelta` (added to the FP32 bias before the bias is
 * quantized); every engine and export takes the bias through `correctedBias`.
 *
 * A layer with a fused Relu/Clip gets the delta that matches the mean of what the next layer
 * reads, E[act(ŷ + δ)] = E[act(y)]: the pre-activation mean is dominated by positions the
 * activation cuts off, and correcting it lowered SqueezeNet EQ INT7's output SQNR from 17.4 to
 * 14.3 dB, where matching after the activation raised it to 18.4 dB
 * (docs/results/accuracy-beyond-eq.md).
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

/**
 * Per channel, the δ nearest `pre` (the pre-activation delta) with mean(act(q + δ)) =
 * mean(act(ref)), act = clamp to [lo, hi]; `qs`/`refs` per image [cout][np] pre-activations.
 * The mean is monotone in δ, so bisection finds it.
 */
export function activationMatchedDelta(cout: number, qs: readonly Float32Array[], refs: readonly Float32Array[], lo: number, hi: number, pre: readonly number[]): number[] {
  const act = (v: number) => (v < lo ? lo : v > hi ? hi : v);
  const n = qs.reduce((a, q) => a + q.length / cout, 0);
  const qv = new Float64Array(n);
  return pre.map((d0, c) => {
    if (n === 0) return d0;
    let k = 0;
    let target = 0;
    let rmin = Infinity;
    let rmax = -Infinity;
    qs.forEach((q, i) => {
      const np = q.length / cout;
      const r = refs[i]!;
      for (let j = 0; j < np; j++) {
        qv[k++] = q[c * np + j]!;
        const rv = r[c * np + j]!;
        target += act(rv);
        if (rv < rmin) rmin = rv;
        if (rv > rmax) rmax = rv;
      }
    });
    target /= n;
    let qmin = Infinity;
    let qmax = -Infinity;
    for (let i = 0; i < n; i++) {
      if (qv[i]! < qmin) qmin = qv[i]!;
      if (qv[i]! > qmax) qmax = qv[i]!;
    }
    const mean = (d: number) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const v = qv[i]! + d;
        s += v < lo ? lo : v > hi ? hi : v;
      }
      return s / n;
    };
    const m0 = mean(d0);
    if (Math.abs(m0 - target) <= 1e-7 * (Math.abs(target) + 1e-6)) return d0;
    // at rmin - qmax every shifted value is <= every reference value, at rmax - qmin >=
    let a = m0 < target ? d0 : Math.min(d0, rmin - qmax);
    let b = m0 < target ? Math.max(d0, rmax - qmin) : d0;
    for (let it = 0; it < 40; it++) {
      const mid = (a + b) / 2;
      if (mean(mid) < target) a = mid;
      else b = mid;
    }
    return Math.fround((a + b) / 2);
  });
}
