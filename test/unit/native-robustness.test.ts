/**
 * Malformed EQM input never crashes the native runtime (issue 3): empty, wrong-magic,
 * truncated and bit-flipped files, and 2000+ random mutations — with the CRCs left stale
 * (caught by the checksums) and with the CRCs recomputed (so the structural validation of
 * every size, offset, index, dims product and op parameter is what stands between the bytes
 * and the kernels) — each end in a JS Error with a message, or load into a model that runs.
 * Wrong run() arguments are Errors too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { crc32 } from '../../src-main/core/eqm/crc32.js';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { loadAddon, Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { cnnOpsModel, floatOpsModel, quantize, randomInputs, tinyQuantized } from '../helpers/native-models.js';
import { rng } from '../helpers/onnx-build.js';

function errorOf(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

/** Recomputes the payload and header CRCs (and the size field) after a mutation. */
function fixCrcs(b: Uint8Array): Uint8Array {
  if (b.length < 32) return b;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  v.setUint32(16, b.length, true);
  const hs = v.getUint32(8, true);
  if (hs > b.length || hs < 28) return b;
  v.setUint32(12, crc32(b, hs), true);
  v.setUint32(24, 0, true);
  v.setUint32(24, crc32(b, 0, hs), true);
  return b;
}

const INTERESTING = [0, 1, 2, 3, 7, 8, 255, 256, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

function mutate(base: Uint8Array, r: () => number, headerSize: number): Uint8Array {
  const b = base.slice();
  const pick = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo));
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const mode = Math.floor(r() * 4);
    const at = r() < 0.1 ? pick(0, headerSize) : pick(headerSize, b.length);
    if (mode === 0) b[at] = Math.floor(r() * 256);
    else if (mode === 1) b[at]! ^= 1 << Math.floor(r() * 8);
    else if (at + 4 <= b.length) {
      // u32 fields are 4-aligned within their records often enough: set interesting values or nudge
      const a = at & ~3;
      const v = new DataView(b.buffer);
      if (mode === 2) v.setUint32(a, INTERESTING[Math.floor(r() * INTERESTING.length)]!, true);
      else v.setUint32(a, (v.getUint32(a, true) + (r() < 0.5 ? 1 : -1)) >>> 0, true);
    }
  }
  return b;
}

describe('native runtime: malformed EQM files', () => {
  let base: Uint8Array;
  let floatBase: Uint8Array;
  let cnnBase: Uint8Array;
  let dims: number[];
  let inputs: Float32Array[];
  beforeAll(async () => {
    ensureNativeAddon();
    const q = await tinyQuantized(8);
    base = compileIntProgram(q.graph, q.prog);
    dims = q.dims;
    inputs = randomInputs(dims, 2, 4);
    const f = await quantize(loadModelBytes(floatOpsModel(13), 'float13.onnx'), randomInputs([1, 4, 6, 6], 2, 5), 7);
    floatBase = compileIntProgram(f.graph, f.prog);
    const c = await quantize(loadModelBytes(cnnOpsModel(), 'cnn-ops.onnx'), randomInputs([1, 3, 8, 8], 2, 6), 8);
    cnnBase = compileIntProgram(c.graph, c.prog);
  }, BUILD_TIMEOUT_MS);

  it('a valid file loads (from bytes or a path) and runs', () => {
    const s = Runtime.load(base);
    const [y] = s.run(inputs[0]!, dims);
    expect(y!.length).toBe(5);
    expect(y!.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'eqm-')), 'tiny.eqm');
    fs.writeFileSync(file, base);
    const s2 = Runtime.load(file);
    expect(s2.info.input).toEqual({ name: 'x', dims });
    expect(s2.run(inputs[0]!, dims)[0]).toEqual(y);
  });

  it('empty, short, wrong-magic and wrong-version files', () => {
    expect(errorOf(() => Runtime.load(new Uint8Array(0)))?.message).toMatch(/fewer than the 32-byte header/);
    expect(errorOf(() => Runtime.load(base.slice(0, 31)))?.message).toMatch(/header/);
    const magic = base.slice();
    magic.set([0x50, 0x4b, 0x03, 0x04]);
    expect(errorOf(() => Runtime.load(magic))?.message).toMatch(/wrong magic/);
    const version = base.slice();
    new DataView(version.buffer).setUint32(4, 7, true);
    expect(errorOf(() => Runtime.load(version))?.message).toMatch(/unsupported EQM version 7/);
    expect(errorOf(() => Runtime.load(new TextEncoder().encode('EQM1 but then just text, not a model at all'))))?.toBeInstanceOf(Error);
  });

  it('truncated files (every length class), with and without repaired size/CRC fields', () => {
    const r = rng(1);
    const lengths = new Set<number>();
    for (let i = 0; i < 160; i++) lengths.add(i);
    for (let i = 0; i < 300; i++) lengths.add(Math.floor(r() * base.length));
    for (const len of lengths) {
      const cut = base.slice(0, len);
      const e1 = errorOf(() => Runtime.load(cut));
      expect(e1, `truncated to ${len}`).toBeInstanceOf(Error);
      expect(e1!.message.length).toBeGreaterThan(10);
      const e2 = errorOf(() => Runtime.load(fixCrcs(base.slice(0, len))));
      expect(e2, `truncated to ${len} with repaired CRCs`).toBeInstanceOf(Error);
    }
  });

  it('bit flips anywhere are caught (CRC or structure)', () => {
    const r = rng(2);
    for (let i = 0; i < 500; i++) {
      const b = base.slice();
      const at = Math.floor(r() * b.length);
      b[at]! ^= 1 << Math.floor(r() * 8);
      const e = errorOf(() => Runtime.load(b));
      expect(e, `flip at ${at}`).toBeInstanceOf(Error);
      expect(e!.message).toMatch(/invalid EQM file|unsupported/);
    }
  });

  for (const which of ['int8 ops', 'FP32 fallback ops', 'CNN FP32 ops']) {
    it(`2000 random mutations with recomputed CRCs (${which}): an Error with a message, or a model that runs`, () => {
      const seed = which === 'int8 ops' ? base : which === 'CNN FP32 ops' ? cnnBase : floatBase;
      const r = rng(which === 'int8 ops' ? 3 : which === 'CNN FP32 ops' ? 5 : 4);
      const headerSize = new DataView(seed.buffer).getUint32(8, true);
      let rejected = 0;
      let loaded = 0;
      const messages = new Set<string>();
      const runMessages = new Set<string>();
      const t0 = Date.now();
      for (let i = 0; i < 2000; i++) {
        const b = fixCrcs(mutate(seed, r, headerSize));
        let s: ReturnType<typeof Runtime.load> | undefined;
        const e = errorOf(() => (s = Runtime.load(b)));
        if (e) {
          expect(e).toBeInstanceOf(Error);
          expect(e.message).toMatch(/^(invalid EQM file|unsupported)/);
          messages.add(e.message.replace(/[0-9]+/g, 'N').slice(0, 60));
          rejected++;
          continue;
        }
        loaded++;
        const inDims = s!.info.input.dims;
        const n = inDims.reduce((a, v) => a * v, 1);
        const x = i % 2 ? new Float32Array(n).fill(0.5) : Float32Array.from({ length: n }, (_, k) => Math.sin(k) * 3);
        const re = errorOf(() => expect(s!.run(x, inDims).length).toBe(s!.info.outputs.length));
        if (re) {
          expect(re.message).toMatch(/accumulator overflow/);
          runMessages.add(re.message);
        }
      }
      // most mutations hit validated fields; the rest change weights/scales/attributes and still run
      expect(rejected).toBeGreaterThan(500);
      expect(loaded).toBeGreaterThan(50);
      expect(messages.size).toBeGreaterThan(15);
      console.log(
        `[robustness ${which}] ${rejected} rejected (${messages.size} distinct messages), ${loaded} loaded and ran, ${runMessages.size} overflow errors, ${Date.now() - t0} ms`,
      );
    });
  }

  it('wrong run() arguments are Errors', () => {
    const s = Runtime.load(base);
    const n = dims.reduce((a, v) => a * v, 1);
    expect(errorOf(() => s.run(new Float32Array(n - 1), dims))?.message).toMatch(/expects \[1,3,12,12\]/);
    expect(errorOf(() => s.run(new Float32Array(n + 5), dims))?.message).toMatch(/expects/);
    expect(errorOf(() => s.run(new Float32Array(n), [1, 3, 144]))?.message).toMatch(/has shape \[1,3,144\]/);
    expect(errorOf(() => s.run(new Float32Array(n), [1, 3, 12.5, 12]))?.message).toMatch(/integers/);
    expect(errorOf(() => s.run(new Float64Array(n) as unknown as Float32Array, dims))).toBeInstanceOf(TypeError);
    const addon = loadAddon();
    expect(errorOf(() => addon.run({} as never, new Float32Array(n), dims))).toBeInstanceOf(TypeError);
    expect(errorOf(() => addon.loadModel('EQM1' as never))).toBeInstanceOf(TypeError);
    // the session still works after errors
    expect(s.run(inputs[0]!, dims)[0]!.length).toBe(5);
  });
});
