/**
 * Session::Run reads the caller's Float32Array in place instead of copying it into the arena
 * (native/src/runtime/session.cc): the input is never written, a run does not depend on a
 * previous run's input, an input at any float-aligned offset of its buffer (a subarray) gives
 * the bytes of a fresh copy, and the outputs equal the TypeScript integer reference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, randomInputs, runReference, tinyQuantized, type QuantizedModel } from '../helpers/native-models.js';

describe('native runtime: the input is read in place', () => {
  let q: QuantizedModel;
  let eqm: Uint8Array;
  beforeAll(async () => {
    ensureNativeAddon();
    q = await tinyQuantized(8, 9);
    eqm = compileIntProgram(q.graph, q.prog);
  }, BUILD_TIMEOUT_MS);

  it('leaves the input unchanged, carries nothing from run to run, and matches the reference', () => {
    for (const threads of [1, 2]) {
      const s = Runtime.load(eqm, { threads });
      const xs = randomInputs(q.dims, 4, 31);
      for (const x of [...xs, ...xs.slice().reverse()]) {
        const before = x.slice();
        const [y] = s.run(x, q.dims);
        expect(firstBitDifference(x, before)).toBe(-1);
        expect(firstBitDifference(y!, runReference(q, x, q.dims).outputs[0]!)).toBe(-1);
      }
    }
  });

  it('an input at an odd float offset of a larger buffer gives the same bytes as a fresh copy', () => {
    const s = Runtime.load(eqm, { threads: 1 });
    const [x] = randomInputs(q.dims, 1, 32);
    for (const offset of [1, 3, 16]) {
      const big = new Float32Array(x!.length + offset + 5).fill(Number.NaN);
      big.set(x!, offset);
      const view = big.subarray(offset, offset + x!.length);
      expect(firstBitDifference(s.run(view, q.dims)[0]!, s.run(x!.slice(), q.dims)[0]!)).toBe(-1);
      expect(Number.isNaN(big[offset - 1]!) && Number.isNaN(big[offset + x!.length]!)).toBe(true);
    }
  });
});
