/**
 * `easyquant compile` and `easyquant bench` (issue 3, scope 7–8) on MNIST: the EQM written by
 * compile loads and equals the in-memory compilation; bench prints the documented JSON for each
 * engine; the native profile names a kernel for every quantized layer and counts every run;
 * bad arguments give one-line errors. No timing is asserted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { OrtReference } from '../../src-main/engines/ort-reference.js';
import { compileFromFiles } from '../../src-main/pipeline/compile.js';
import { runCli } from '../helpers/cli.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { cardPath, describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-cli-runtime-'));
const model = ['--model', modelPath('mnist'), '--card', cardPath('mnist')];
const scales = path.join(dir, 'cal', 'scales.json');
const eqm = path.join(dir, 'mnist.eqm');
const KEYS = ['engine', 'isa', 'threads', 'runs', 'median_ms', 'p90_ms', 'min_ms', 'max_ms'];

describeShared('compile and bench CLI', () => {
  beforeAll(() => {
    ensureNativeAddon();
    const r = runCli(['calibrate', ...model, '--data', MNIST_DIR, '--method', 'minmax', '--bits', '7', '--calib', '8', '--out', path.join(dir, 'cal'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  }, BUILD_TIMEOUT_MS);

  it('compile writes an EQM identical to the in-memory compilation', () => {
    const r = runCli(['compile', ...model, '--scales', scales, '--out', eqm, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.bits).toBe(7);
    expect(j.layers).toBeGreaterThan(0);
    const bytes = fs.readFileSync(eqm);
    expect(j.bytes).toBe(bytes.length);
    expect(Buffer.compare(bytes, Buffer.from(compileFromFiles({ model: modelPath('mnist'), card: cardPath('mnist'), scales }).bytes))).toBe(0);
    expect(Runtime.load(eqm).info.qmax).toBe(63);
  });

  it('compile --fp32 writes an all-float EQM whose outputs are onnxruntime FP32 (to float rounding)', async () => {
    const out = path.join(dir, 'mnist-fp32.eqm');
    const r = runCli(['compile', ...model, '--fp32', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.bits).toBe(32);
    expect(j.layers).toBe(0);
    expect(j.fp32Ops).toContain('Conv');
    const s = Runtime.load(out);
    const ref = await OrtReference.create(fs.readFileSync(modelPath('mnist')));
    try {
      // a digit-like stroke pattern and a random image; a quantized model would differ by far more
      const rnd = Float32Array.from({ length: 784 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
      const stroke = Float32Array.from({ length: 784 }, (_, i) => (Math.abs((i % 28) - 14) < 3 ? 1 : 0));
      for (const x of [rnd, stroke]) {
        const want = [...(await ref.run(x, [1, 1, 28, 28])).outputs.values()][0]!.data as Float32Array;
        const got = s.run(x, [1, 1, 28, 28])[0]!;
        expect(got.length).toBe(want.length);
        const scale = Math.max(...Array.from(want, Math.abs));
        for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `output ${i}`).toBeLessThan(1e-4 * scale + 1e-6);
      }
    } finally {
      await ref.release();
    }
  });

  for (const engine of ['native', 'ort-fp32', 'ort-qdq']) {
    it(`bench --engine ${engine} prints the documented JSON`, () => {
      const m = engine === 'native' ? ['--model', eqm] : [...model, '--scales', scales];
      const r = runCli(['bench', ...m, '--engine', engine, '--threads', '2', '--runs', '5', '--warmup', '1', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      for (const k of KEYS) expect(j, k).toHaveProperty(k);
      expect(j.engine).toBe(engine);
      expect(j.runs).toBe(5);
      expect(j.threads).toBe(2);
      expect(j.min_ms).toBeLessThanOrEqual(j.median_ms);
      expect(j.median_ms).toBeLessThanOrEqual(j.p90_ms);
      expect(j.p90_ms).toBeLessThanOrEqual(j.max_ms);
    });
  }

  it('bench --isa scalar --profile reports the scalar kernel for every quantized layer', () => {
    const r = runCli(['bench', '--model', eqm, '--isa', 'scalar', '--runs', '4', '--warmup', '0', '--profile', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.isa).toBe('scalar');
    const layers = j.layers.ops.filter((o: { kind: string }) => o.kind === 'qlinear');
    expect(layers.length).toBeGreaterThan(0);
    for (const l of layers) {
      expect(l.kernel).toMatch(/^(gemm:scalar|dw:dw-scalar|wino(23|43):.*scalar.*)$/);
      expect(l.calls).toBe(4);
      expect(l.totalMs).toBeGreaterThan(0);
      expect(l.threads).toBe(1); // --threads defaults to 1
    }
  });

  it('EQ_ISA forces the ISA level, and an unknown one is a clear error', () => {
    const ok = runCli(['bench', '--model', eqm, '--runs', '1', '--warmup', '0', '--json'], { env: { EQ_ISA: 'scalar' } });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).isa).toBe('scalar');
    const bad = runCli(['bench', '--model', eqm, '--runs', '1', '--json'], { env: { EQ_ISA: 'sse9' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown ISA 'sse9'/);
  });

  it('bad arguments are one-line errors', () => {
    const cases: [string[], RegExp][] = [
      [['bench', '--model', eqm, '--engine', 'ort-fp32'], /needs an ONNX model/],
      [['bench', ...model, '--engine', 'native'], /needs --scales/],
      [['bench', '--model', eqm, '--runs', '0'], /--runs must be a positive integer/],
      [['bench', '--model', path.join(dir, 'missing.eqm')], /not found/],
      [['compile', ...model, '--scales', path.join(dir, 'nope.json'), '--out', path.join(dir, 'x.eqm')], /nope\.json/],
      [['compile', ...model, '--out', path.join(dir, 'x.eqm')], /exactly one of --scales .* and --fp32/],
      [['compile', ...model, '--scales', scales, '--fp32', '--out', path.join(dir, 'x.eqm')], /exactly one of --scales .* and --fp32/],
    ];
    for (const [args, re] of cases) {
      const r = runCli(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
    expect(fs.existsSync(path.join(dir, 'x.eqm'))).toBe(false);
  });
});
