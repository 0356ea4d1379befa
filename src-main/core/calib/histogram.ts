/** Histograms of |x| over [0, max] and the threshold searches that use them. */

export class AbsHistogram {
  readonly counts: Float64Array;
  constructor(
    readonly max: number,
    readonly bins: number,
  ) {
    this.counts = new Float64Array(bins);
  }

  add(x: ArrayLike<number>, skipZeros = false): void {
    if (!(this.max > 0)) return;
    const f = this.bins / this.max;
    const last = this.bins - 1;
    for (let i = 0; i < x.length; i++) {
      const v = Math.abs(x[i]!);
      if (skipZeros && v === 0) continue;
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

/** Replaces zeros by eps (taking the mass from the non-zero bins) so KL(P||Q) stays finite. */
function smooth(p: Float64Array, n: number, eps = 1e-4): boolean {
  let zeros = 0;
  for (let j = 0; j < n; j++) if (p[j] === 0) zeros++;
  const nonzeros = n - zeros;
  if (nonzeros === 0) return false;
  const take = (eps * zeros) / nonzeros;
  for (let j = 0; j < n; j++) p[j] = p[j] === 0 ? eps : p[j]! - take;
  return true;
}

/**
 * TensorRT-style entropy calibration (KL divergence), as in TensorRT's EntropyCalibration2,
 * MXNet/TVM and ncnn2table: 2048 bins of |x|, candidate thresholds from `levels` bins upward.
 * For threshold bin i the reference P is hist[0..i) with the clipped outliers added to its
 * last bin; Q merges P's bins into `levels` levels and spreads each level evenly over the bins
 * where P is non-zero. Both are normalised and smoothed, and the i with the smallest
 * KL(P||Q) gives the threshold (i + 0.5) * binWidth. Exact zeros (ReLU outputs) are not
 * counted in the histogram, as in ncnn: they are represented exactly at any scale and would
 * only swamp the first bin.
 */
export function klThreshold(h: AbsHistogram, levels: number): number {
  const hist = h.counts;
  const nb = h.bins;
  if (!(h.max > 0)) return 0;
  let bestI = nb;
  let bestKl = Infinity;
  const p = new Float64Array(nb);
  const q = new Float64Array(nb);
  let total = 0;
  for (let j = 0; j < nb; j++) total += hist[j]!;
  let outliers = total;
  for (let j = 0; j < levels; j++) outliers -= hist[j]!;
  for (let i = levels; i <= nb; i++) {
    if (i > levels) outliers -= hist[i - 1]!;
    for (let j = 0; j < i; j++) p[j] = hist[j]!;
    p[i - 1] = p[i - 1]! + outliers;
    // Q: the clipped histogram (without the outliers) merged into `levels` levels of
    // floor(i/levels) bins (the remainder joins the last level), each level spread evenly over
    // the bins where P is non-zero
    const merged = Math.floor(i / levels);
    q.fill(0, 0, i);
    for (let l = 0; l < levels; l++) {
      const start = l * merged;
      const end = l === levels - 1 ? i : start + merged;
      let sum = 0;
      let nz = 0;
      for (let j = start; j < end; j++) {
        sum += hist[j]!;
        if (p[j] !== 0) nz++;
      }
      if (nz === 0) continue;
      const avg = sum / nz;
      for (let j = start; j < end; j++) if (p[j] !== 0) q[j] = avg;
    }
    let ps = 0;
    let qs = 0;
    for (let j = 0; j < i; j++) {
      ps += p[j]!;
      qs += q[j]!;
    }
    if (ps === 0 || qs === 0) continue;
    for (let j = 0; j < i; j++) {
      p[j] = p[j]! / ps;
      q[j] = q[j]! / qs;
    }
    if (!smooth(p, i) || !smooth(q, i)) continue;
    let kl = 0;
    for (let j = 0; j < i; j++) kl += p[j]! * Math.log(p[j]! / q[j]!);
    if (kl < bestKl) {
      bestKl = kl;
      bestI = i;
    }
  }
  return (bestI + 0.5) * h.binWidth;
}
