import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { layerKernels, readProfileSet } from '../../src-main/pipeline/mixed/latency-model.js';

const report = (ms: number) => ({
  warmup: 1,
  runs: 5,
  threads: 1,
  isa: 'neon',
  latencyMs: { min: ms, median: ms, p90: ms, max: ms, mean: ms },
  layers: [{ name: 'Conv_0', kind: 'qlinear', kernel: 'gemm', work: 10, ms }],
});
const variant = (bits: number | null, label: string, ms?: number) => ({
  label,
  bits,
  method: 'eq',
  modelSha256: 'x',
  remoteModel: '/tmp/m.eqm',
  pushed: { model: 1 },
  ...(ms !== undefined ? { bench: report(ms) } : {}),
});

function write(root: unknown): string {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'eq-prof-')), 'board.json');
  fs.writeFileSync(f, JSON.stringify(root));
  return f;
}

describe('readProfileSet', () => {
  it('reads the { int8, int7, fp32 } set', () => {
    const s = readProfileSet(write({ int8: report(2), int7: report(1) }));
    expect(s.int8!.layers[0]!.ms).toBe(2);
    expect(s.int7!.layers[0]!.ms).toBe(1);
    expect(s.fp32).toBeUndefined();
  });

  it('reads the output of profile --device --json, keyed by bits', () => {
    const f = write({
      devices: [
        { device: 'pi', ok: false, error: 'timed out', seconds: 3 },
        { device: 'a53', ok: true, seconds: 9, result: { machine: 'aarch64', variants: [variant(7, 'int7', 1.5), variant(8, 'int8', 2.5), variant(32, 'fp32', 9)] } },
      ],
    });
    const s = readProfileSet(f);
    expect(s.int8!.layers[0]!.ms).toBe(2.5);
    expect(s.int7!.layers[0]!.ms).toBe(1.5);
    expect(s.fp32!.layers[0]!.ms).toBe(9);
  });

  it('rejects board files it cannot use, naming the problem', () => {
    const ok = (variants: unknown[]) => ({ device: 'a53', ok: true, seconds: 1, result: { machine: 'aarch64', variants } });
    expect(() => readProfileSet(write({ devices: [] }))).toThrow(/exactly one board that succeeded, found 0/);
    expect(() => readProfileSet(write({ devices: [ok([]), { ...ok([]), device: 'b' }] }))).toThrow(/found 2 \(a53, b\)/);
    expect(() => readProfileSet(write({ devices: [ok([variant(8, 'int8')])] }))).toThrow(/variant 'int8' has no bench report/);
    expect(() => readProfileSet(write({ devices: [ok([variant(null, 'eqm', 1)])] }))).toThrow(/variant 'eqm': bits null is not 8, 7 or 32/);
    expect(() => readProfileSet(write({ devices: [ok([variant(8, 'a', 1), variant(8, 'b', 1)])] }))).toThrow(/two int8 variants/);
    expect(() => readProfileSet(write({ devices: [ok([variant(8, 'int8', 1)])] }))).toThrow(/needs at least the int8 and int7/);
  });
});

describe('layerKernels', () => {
  it("names each layer's kernel from the profile of its precision", () => {
    const rep = (kernels: Record<string, string | undefined>) => ({
      ...report(1),
      layers: Object.entries(kernels).map(([name, kernel]) => ({ name, kind: 'qlinear', ...(kernel ? { kernel } : {}), work: 1, ms: 1 })),
    });
    const set = {
      int8: rep({ a: 'gemm:avx512vnni-dpbusd', b: 'amxconv:amx-tdpbssd', c: 'gemm:amx-tdpbssd' }),
      int7: rep({ a: 'wino43:avx2', b: 'dw:dw-neon', c: undefined }),
      fp32: rep({ a: 'fp32:Conv', b: 'fp32:Conv', c: 'fp32:Conv' }),
    };
    const of = layerKernels(set);
    expect(of({ a: 'int7', b: 'int8', c: 'int7' })).toEqual({ a: 'wino43:avx2', b: 'amxconv:amx-tdpbssd' });
    expect(of({ a: 'fp32', b: 'int7', c: 'int8' })).toEqual({ a: 'fp32:Conv', b: 'dw:dw-neon', c: 'gemm:amx-tdpbssd' });
    expect(layerKernels({ int8: set.int8, int7: set.int7 })({ a: 'fp32' })).toEqual({});
  });
});
