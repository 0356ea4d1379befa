/**
 * Inner loops of the EQ reference search, unrolled over k by four so each pass over the
 * output row does four multiply-adds (fewer loads/stores of the accumulator row). All values
 * are small integers held in doubles, so every sum is exact and the order does not matter.
 */

/** y[j] = sum_k w[wOff+k] * cols[k*np + j], for j < np. */
export function dotRows(w: ArrayLike<number>, wOff: number, K: number, cols: Float64Array, np: number, y: Float64Array): void {
  y.fill(0, 0, np);
  let k = 0;
  for (; k + 3 < K; k += 4) {
    const w0 = w[wOff + k]!;
    const w1 = w[wOff + k + 1]!;
    const w2 = w[wOff + k + 2]!;
    const w3 = w[wOff + k + 3]!;
    if (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0) continue;
    const r0 = k * np;
    const r1 = r0 + np;
    const r2 = r1 + np;
    const r3 = r2 + np;
    for (let j = 0; j < np; j++) y[j]! += w0 * cols[r0 + j]! + w1 * cols[r1 + j]! + w2 * cols[r2 + j]! + w3 * cols[r3 + j]!;
  }
  for (; k < K; k++) {
    const w0 = w[wOff + k]!;
    if (w0 === 0) continue;
    const r0 = k * np;
    for (let j = 0; j < np; j++) y[j]! += w0 * cols[r0 + j]!;
  }
}
