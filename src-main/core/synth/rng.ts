/**
 * Deterministic random numbers for the synthetic networks: mulberry32 streams, derived from
 * the user seed and a stream name so weights and the calibration input never share a stream.
 * Only integer ops, + and * are used, so the values are the same on every platform.
 */

export type Rng = () => number;

/** mulberry32: uniform in [0, 1) from a 32-bit state. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit hash (FNV-1a over the stream name, then a murmur3 finaliser mixed with the seed). */
export function streamSeed(seed: number, stream: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193);
  h ^= seed >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export function rngStream(seed: number, stream: string): Rng {
  return mulberry32(streamSeed(seed, stream));
}

/** Uniform in [lo, hi). */
export function uniform(r: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * r();
}

/** Fills a new Float32Array with U(-bound, bound). */
export function uniformArray(r: Rng, n: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * bound;
  return out;
}
