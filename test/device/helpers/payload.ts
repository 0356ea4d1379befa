/** Deterministic pseudo-random payloads for transfer tests. */
export function payload(bytes: number, seed: number): Buffer {
  const b = Buffer.alloc(bytes);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i += 4) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    b.writeUInt32LE(s >>> 0, Math.min(i, bytes - 4));
  }
  return b;
}
