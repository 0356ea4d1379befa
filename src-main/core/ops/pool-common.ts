/**
 * Per-output-position tap ranges for 2-D pooling windows: for output index o along an axis,
 * taps t in [lo[o], hi[o]) fall inside the input, and `padded[o]` counts the taps that fall
 * inside input plus explicit padding (the count_include_pad divisor).
 */
export interface TapRange {
  lo: Int32Array;
  hi: Int32Array;
  padded: Int32Array;
}

export function tapRanges(out: number, inLen: number, k: number, s: number, d: number, padB: number, padE: number): TapRange {
  const lo = new Int32Array(out);
  const hi = new Int32Array(out);
  const padded = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const start = o * s - padB;
    let a = 0;
    while (a < k && start + a * d < 0) a++;
    let b = k;
    while (b > a && start + (b - 1) * d >= inLen) b--;
    lo[o] = a;
    hi[o] = b;
    let p = 0;
    for (let t = 0; t < k; t++) {
      const pos = start + t * d;
      if (pos >= -padB && pos < inLen + padE) p++;
    }
    padded[o] = p;
  }
  return { lo, hi, padded };
}
