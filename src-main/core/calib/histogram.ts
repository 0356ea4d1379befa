/** Histograms of |x| over [0, max] and the threshold searches that use them. */

export class AbsHistogram {
  readonly counts: Float64Array;
  constructor(
    readonly max: number,
    readonly bins: number,
  ) {
    this.counts = new Float64Array(bins);
  }

  add(x: ArrayLike<number>): void {
    if (!(this.max > 0)) return;
    const f = this.bins / this.max;
    const last = this.bins - 1;
    for (let i = 0; i < x.length; i++) {
      const v = Math.abs(x[i]!);
      const b = Math.floor(v * f);
      this.counts[b > last ? last : b]! += 1;
    }
  }

  get binWidth(): number {
    return this.max / this.bins;
  }

  /** |x| value below which `pct` percent of the values fall (linear inside the bin). */
  percentile(pct: number): number {
    let total = 0;
    for (const c of this.counts) total += c;
    const target = (total * pct) / 100;
    let acc = 0;
    for (let b = 0; b < this.bins; b++) {
      const c = this.counts[b]!;
      if (acc + c >= target && c > 0) return (b + (target - acc) / c) * this.binWidth;
      acc += c;
    }
    return this.max;
  }
}

/**
 * TensorRT-style entropy calibration (KL divergence), as in TensorRT's EntropyCalibration2 and
 * ncnn2table: 2048 bins of |x|, candidate thresholds from `levels` bins upward, the reference
 * distribution P keeps the clipped outliers in its last bin, Q is P merged into `levels`
 * levels and expanded back over the non-empty bins. Returns the threshold (a value of |x|).
 */
export function klThreshold(h: AbsHistogram, levels: number): number {
  const hist = h.counts;
  const nb = h.bins;
  if (!(h.max > 0)) return 0;
  let bestI = nb;
  let bestKl = Infinity;
  const p = new Float64Array(nb);
  const q = new Float64Array(nb);
  for (let i = levels; i <= nb; i++) {
    let outliers = 0;
    for (let j = i; j < nb; j++) outliers += hist[j]!;
    for (let j = 0; j < i; j++) p[j] = hist[j]!;
    p[i - 1]! += outliers;
    // Q: merge hist[0..i) into `levels` bins, expand back, zero where P's source bin was empty
    const step = i / levels;
    q.fill(0, 0, i);
    for (let l = 0; l < levels; l++) {
      const start = Math.floor(l * step);
      const end = l === levels - 1 ? i : Math.floor((l + 1) * step);
      let sum = 0;
      let nz = 0;
      for (let j = start; j < end; j++) {
        sum += hist[j]!;
        if (hist[j]! !== 0) nz++;
      }
      if (nz === 0) continue;
      const avg = sum / nz;
      for (let j = start; j < end; j++) if (hist[j]! !== 0) q[j] = avg;
    }
    let ps = 0;
    let qs = 0;
    for (let j = 0; j < i; j++) {
      ps += p[j]!;
      qs += q[j]!;
    }
    if (ps === 0 || qs === 0) continue;
    let kl = 0;
    for (let j = 0; j < i; j++) {
      const pj = p[j]! / ps;
      if (pj === 0) continue;
      const qj = q[j]! / qs;
      kl += qj === 0 ? pj * 1e3 /* P mass where Q has none (only the outlier bin): heavy penalty */ : pj * Math.log(pj / qj);
    }
    if (kl < bestKl) {
      bestKl = kl;
      bestI = i;
    }
  }
  return (bestI + 0.5) * h.binWidth;
}
