/**
 * Single-precision GEMM core shared by Conv, Gemm and MatMul.
 *
 * Both operands are packed into panels of 4 rows (A) / 4 columns (B) stored as [K][4],
 * so the 4x4 register-blocked micro-kernel reads two contiguous streams. The 16
 * accumulators are JS numbers: every output element is a float64 sum over k in order
 * k = 0..K-1, rounded to float32 once on store (after alpha, biases and the optional clamp).
 * B is packed block by block (a block of columns fitting in L2) by a caller-supplied
 * filler, which lets Conv write im2col data straight into the packed layout.
 *
 * Every typed array passed here is a Float32Array, which keeps the hot loops monomorphic.
 */

/** Packs rows x K (element (r,k) at src[off + r*rs + k*cs]) into ceil(rows/4) panels of [K][4]. */
export function packPanels(src: Float32Array, off: number, rows: number, K: number, rs: number, cs: number): Float32Array {
  const P = (rows + 3) >> 2;
  const dst = new Float32Array(P * K * 4);
  for (let p = 0; p < P; p++) {
    const base = p * K * 4;
    for (let r = 0; r < 4; r++) {
      const row = p * 4 + r;
      if (row >= rows) break; // tail rows stay zero
      let s = off + row * rs;
      let d = base + r;
      if (cs === 1) {
        for (let k = 0; k < K; k++, d += 4) dst[d] = src[s + k]!;
      } else {
        for (let k = 0; k < K; k++, d += 4, s += cs) dst[d] = src[s]!;
      }
    }
  }
  return dst;
}

/**
 * Fills `dst` with the B panels for columns n0..n0+nc-1: column n0+j goes to panel j>>2,
 * lane j&3, i.e. dst[(j>>2)*K*4 + k*4 + (j&3)] = B(k, n0+j). Lanes past nc must be zeroed.
 */
export type FillB = (dst: Float32Array, n0: number, nc: number) => void;

export interface Epilogue {
  /** multiplies the dot product (Gemm alpha); 1 otherwise */
  alpha: number;
  /** added per output row (Conv bias, Gemm C of shape [M,1]); length >= M */
  rowBias: Float64Array | null;
  /** added per output column (Gemm C of shape [N]); length >= N */
  colBias: Float64Array | null;
  /** clamp bounds of a fused activation (-Infinity/Infinity when none) */
  lo: number;
  hi: number;
}

export const NO_EPILOGUE: Epilogue = { alpha: 1, rowBias: null, colBias: null, lo: -Infinity, hi: Infinity };

let scratch = new Float32Array(0);

function scratchOf(n: number): Float32Array {
  if (scratch.length < n) scratch = new Float32Array(n);
  return scratch;
}

/** Columns per packed block of B: about 128 KiB of panels, at least one panel. */
function blockCols(K: number, N: number): number {
  const panels = Math.max(1, Math.floor(32768 / Math.max(1, 4 * K)));
  return Math.min(panels * 4, ((N + 3) >> 2) * 4);
}

/** Offsets of column j inside a packed block, j < cols: (j>>2)*K*4 + (j&3). */
export function laneOffsets(cols: number, K: number): Int32Array {
  const o = new Int32Array(cols);
  for (let j = 0; j < cols; j++) o[j] = (j >> 2) * K * 4 + (j & 3);
  return o;
}

/** Block width gemmPacked will ask fillB for (callers size their per-column tables with it). */
export function gemmBlockCols(K: number, N: number): number {
  return blockCols(K, N);
}

/**
 * C[cOff + m*ldc + n] = clamp(alpha * sum_k A(m,k) B(k,n) + rowBias[m] + colBias[n]) for m < M, n < N.
 * `Ap` is A packed with packPanels (rows = M).
 */
export function gemmPacked(M: number, N: number, K: number, Ap: Float32Array, fillB: FillB, C: Float32Array, cOff: number, ldc: number, epi: Epilogue): void {
  if (M === 0 || N === 0) return;
  const nb = blockCols(K, N);
  const buf = scratchOf(nb * K);
  const PM = (M + 3) >> 2;
  const K4 = K * 4;
  const alpha = epi.alpha;
  const lo = epi.lo;
  const hi = epi.hi;
  const rb = epi.rowBias ?? new Float64Array(PM * 4);
  const cb = epi.colBias ?? new Float64Array(((N + 3) >> 2) * 4);
  const tail = new Float64Array(16);
  for (let n0 = 0; n0 < N; n0 += nb) {
    const nc = Math.min(nb, N - n0);
    fillB(buf, n0, nc);
    const PN = (nc + 3) >> 2;
    for (let pm = 0; pm < PM; pm++) {
      const ao = pm * K4;
      const aEnd = ao + K4;
      const m = pm * 4;
      const fullM = m + 4 <= M;
      const r0 = rb[m]!;
      const r1 = fullM ? rb[m + 1]! : 0;
      const r2 = fullM ? rb[m + 2]! : 0;
      const r3 = fullM ? rb[m + 3]! : 0;
      for (let pn = 0; pn < PN; pn++) {
        let b = pn * K4;
        let c00 = 0,
          c01 = 0,
          c02 = 0,
          c03 = 0;
        let c10 = 0,
          c11 = 0,
          c12 = 0,
          c13 = 0;
        let c20 = 0,
          c21 = 0,
          c22 = 0,
          c23 = 0;
        let c30 = 0,
          c31 = 0,
          c32 = 0,
          c33 = 0;
        for (let a = ao; a < aEnd; a += 4, b += 4) {
          const a0 = Ap[a]!,
            a1 = Ap[a + 1]!,
            a2 = Ap[a + 2]!,
            a3 = Ap[a + 3]!;
          const b0 = buf[b]!,
            b1 = buf[b + 1]!,
            b2 = buf[b + 2]!,
            b3 = buf[b + 3]!;
          c00 += a0 * b0;
          c01 += a0 * b1;
          c02 += a0 * b2;
          c03 += a0 * b3;
          c10 += a1 * b0;
          c11 += a1 * b1;
          c12 += a1 * b2;
          c13 += a1 * b3;
          c20 += a2 * b0;
          c21 += a2 * b1;
          c22 += a2 * b2;
          c23 += a2 * b3;
          c30 += a3 * b0;
          c31 += a3 * b1;
          c32 += a3 * b2;
          c33 += a3 * b3;
        }
        const n = n0 + pn * 4;
        if (fullM && n + 4 <= N) {
          const k0 = cb[n]!,
            k1 = cb[n + 1]!,
            k2 = cb[n + 2]!,
            k3 = cb[n + 3]!;
          let o = cOff + m * ldc + n;
          C[o] = clamp(alpha * c00 + r0 + k0, lo, hi);
          C[o + 1] = clamp(alpha * c01 + r0 + k1, lo, hi);
          C[o + 2] = clamp(alpha * c02 + r0 + k2, lo, hi);
          C[o + 3] = clamp(alpha * c03 + r0 + k3, lo, hi);
          o += ldc;
          C[o] = clamp(alpha * c10 + r1 + k0, lo, hi);
          C[o + 1] = clamp(alpha * c11 + r1 + k1, lo, hi);
          C[o + 2] = clamp(alpha * c12 + r1 + k2, lo, hi);
          C[o + 3] = clamp(alpha * c13 + r1 + k3, lo, hi);
          o += ldc;
          C[o] = clamp(alpha * c20 + r2 + k0, lo, hi);
          C[o + 1] = clamp(alpha * c21 + r2 + k1, lo, hi);
          C[o + 2] = clamp(alpha * c22 + r2 + k2, lo, hi);
          C[o + 3] = clamp(alpha * c23 + r2 + k3, lo, hi);
          o += ldc;
          C[o] = clamp(alpha * c30 + r3 + k0, lo, hi);
          C[o + 1] = clamp(alpha * c31 + r3 + k1, lo, hi);
          C[o + 2] = clamp(alpha * c32 + r3 + k2, lo, hi);
          C[o + 3] = clamp(alpha * c33 + r3 + k3, lo, hi);
        } else {
          tail[0] = c00;
          tail[1] = c01;
          tail[2] = c02;
          tail[3] = c03;
          tail[4] = c10;
          tail[5] = c11;
          tail[6] = c12;
          tail[7] = c13;
          tail[8] = c20;
          tail[9] = c21;
          tail[10] = c22;
          tail[11] = c23;
          tail[12] = c30;
          tail[13] = c31;
          tail[14] = c32;
          tail[15] = c33;
          const mc = Math.min(4, M - m);
          const ncols = Math.min(4, N - n);
          for (let i = 0; i < mc; i++) {
            const o = cOff + (m + i) * ldc + n;
            for (let j = 0; j < ncols; j++) C[o + j] = clamp(alpha * tail[i * 4 + j]! + rb[m + i]! + cb[n + j]!, lo, hi);
          }
        }
      }
    }
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Plain matrix product for callers with A and B given by strides:
 * C[cOff + m*ldc + n] = epilogue(sum_k A(m,k) B(k,n)), A(m,k) = A[aOff + m*ars + k*acs],
 * B(k,n) = B[bOff + k*brs + n*bcs]. Small M (a single row, e.g. a batch-1 FC layer) runs
 * without packing; otherwise A and B are packed and gemmPacked runs.
 */
export function sgemm(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  aOff: number,
  ars: number,
  acs: number,
  B: Float32Array,
  bOff: number,
  brs: number,
  bcs: number,
  C: Float32Array,
  cOff: number,
  ldc: number,
  epi: Epilogue,
): void {
  if (M === 0 || N === 0) return;
  if (M < 4) {
    smallM(M, N, K, A, aOff, ars, acs, B, bOff, brs, bcs, C, cOff, ldc, epi);
    return;
  }
  const Ap = packPanels(A, aOff, M, K, ars, acs);
  const lanes = laneOffsets(gemmBlockCols(K, N), K);
  const fill: FillB = (dst, n0, nc) => {
    const ncr = ((nc + 3) >> 2) * 4;
    if (bcs === 1) {
      for (let k = 0; k < K; k++) {
        const s = bOff + k * brs + n0;
        const d = k * 4;
        for (let j = 0; j < nc; j++) dst[lanes[j]! + d] = B[s + j]!;
        for (let j = nc; j < ncr; j++) dst[lanes[j]! + d] = 0;
      }
    } else {
      for (let j = 0; j < ncr; j++) {
        let d = lanes[j]!;
        if (j >= nc) {
          for (let k = 0; k < K; k++, d += 4) dst[d] = 0;
          continue;
        }
        let s = bOff + (n0 + j) * bcs;
        for (let k = 0; k < K; k++, d += 4, s += brs) dst[d] = B[s]!;
      }
    }
  };
  gemmPacked(M, N, K, Ap, fill, C, cOff, ldc, epi);
}

function smallM(
  M: number,
  N: number,
  K: number,
  A: Float32Array,
  aOff: number,
  ars: number,
  acs: number,
  B: Float32Array,
  bOff: number,
  brs: number,
  bcs: number,
  C: Float32Array,
  cOff: number,
  ldc: number,
  epi: Epilogue,
): void {
  const { alpha, rowBias, colBias, lo, hi } = epi;
  if (brs === 1) {
    // B columns are contiguous along k: one dot product per output
    for (let m = 0; m < M; m++) {
      const rbm = rowBias ? rowBias[m]! : 0;
      for (let n = 0; n < N; n++) {
        let s = 0;
        let a = aOff + m * ars;
        let b = bOff + n * bcs;
        for (let k = 0; k < K; k++, a += acs, b++) s += A[a]! * B[b]!;
        C[cOff + m * ldc + n] = clamp(alpha * s + rbm + (colBias ? colBias[n]! : 0), lo, hi);
      }
    }
    return;
  }
  // B rows are contiguous along n: accumulate rows of float64 sums
  const acc = new Float64Array(N);
  for (let m = 0; m < M; m++) {
    acc.fill(0);
    for (let k = 0; k < K; k++) {
      const a = A[aOff + m * ars + k * acs]!;
      const s = bOff + k * brs;
      if (bcs === 1) for (let n = 0; n < N; n++) acc[n]! += a * B[s + n]!;
      else for (let n = 0; n < N; n++) acc[n]! += a * B[s + n * bcs]!;
    }
    const rbm = rowBias ? rowBias[m]! : 0;
    for (let n = 0; n < N; n++) C[cOff + m * ldc + n] = clamp(alpha * acc[n]! + rbm + (colBias ? colBias[n]! : 0), lo, hi);
  }
}
