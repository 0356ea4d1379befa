/**
 * The two computations the EQ search repeats thousands of times, behind one interface so
 * the TypeScript reference (eq.ts) and the native kernels (eq-native.ts) share the search's
 * control flow (eq-search.ts). Both must return bitwise-identical numbers.
 */
import type { QuantLayer } from '../quant/plan.js';

export interface LayerData {
  layer: QuantLayer;
  np: number;
  positions: Int32Array | undefined;
  /** per image FP32 pre-activation [cout][np] */
  O: Float32Array[];
}

/** Candidate grid of a weight search: shared by all channels, or one row of n factors per channel. */
export interface WeightGrid {
  factors: Float64Array;
  perChannel: boolean;
  n: number;
}

export interface EqBackend {
  /** Per-channel weight scales maximising each channel's output cosine, input scale fixed. */
  searchWeights(d: LayerData, xs: Float32Array[], aScale: number, init: Float64Array, current: Float64Array, grid: WeightGrid): Promise<Float64Array>;
  /** Group objective (mean over layers of the mean over images of the output cosine) per candidate input scale. */
  objectives(ds: LayerData[], xs: Float32Array[], aScales: number[], wq: Int8Array[], wScales: Float64Array[]): Promise<number[]>;
}

/**
 * Group objective from per-image cosines cos[(t*L + l)*N + i], summed in the reference's
 * order: per layer over images, then over layers.
 */
export function reduceObjective(cos: ArrayLike<number>, t: number, L: number, N: number): number {
  const perLayer = new Float64Array(L);
  for (let i = 0; i < N; i++) for (let li = 0; li < L; li++) perLayer[li]! += cos[(t * L + li) * N + i]!;
  let total = 0;
  for (let li = 0; li < L; li++) total += perLayer[li]! / N;
  return total / L;
}
