/**
 * Fuzzing the EQM loader and runtime under AddressSanitizer + UBSan (issue 3, acceptance 4):
 * 135,000 mutated files (1–3 byte/bit/u32 mutations each, size field and both CRCs repaired so
 * the structural validation is what is tested) from five seeds — an INT8 model with every
 * int8 op kind, an INT7 one, one with FP32 fallback ops, one with the FP32 ops of real CNNs
 * (PRelu, HardSwish, Pad, Split, Max/Min, ReduceMean) and one with activation tables and a
 * squeeze-excitation multiply (qlut, qmul) — plus 10,000 from one with Equal and Cast
 * (maskOpsModel) and 10,000 from one with Log, ReduceMax and GreaterOrEqual / LessOrEqual
 * (logReduceModel) and 10,000 from one with int8 Pad and Resize (qpad, qresize; fpnOpsModel).
 * Every file must be rejected with
 * a message or load and run; any sanitizer report aborts the fuzzer (no recovery), which
 * fails the test.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { cnnOpsModel, floatOpsModel, fpnOpsModel, logReduceModel, lutOpsModel, maskOpsModel, quantize, randomInputs, tinyQuantized } from '../helpers/native-models.js';
import { ensureHostTool } from '../helpers/native-tools.js';

// EQ_FUZZ_SCALE=0.01 runs 1% of the mutations (a quick local check)
const ITERATION_SCALE = Number(process.env.EQ_FUZZ_SCALE ?? 1) || 1;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-fuzz-'));
let fuzz = '';

describe('EQM loader fuzzing under ASan/UBSan', () => {
  beforeAll(async () => {
    fuzz = ensureHostTool('asan', 'eqm-fuzz', ['-DEQ_SANITIZE=ON']);
    const q8 = await tinyQuantized(8);
    const q7 = await tinyQuantized(7, 9);
    const f = await quantize(loadModelBytes(floatOpsModel(13), 'float13.onnx'), randomInputs([1, 4, 6, 6], 2, 5), 7);
    fs.writeFileSync(path.join(dir, 'int8.eqm'), compileIntProgram(q8.graph, q8.prog));
    fs.writeFileSync(path.join(dir, 'int7.eqm'), compileIntProgram(q7.graph, q7.prog));
    fs.writeFileSync(path.join(dir, 'float.eqm'), compileIntProgram(f.graph, f.prog));
    const c = await quantize(loadModelBytes(cnnOpsModel(), 'cnn-ops.onnx'), randomInputs([1, 3, 8, 8], 2, 6), 8);
    fs.writeFileSync(path.join(dir, 'cnn-ops.eqm'), compileIntProgram(c.graph, c.prog));
    const m = await quantize(loadModelBytes(maskOpsModel(), 'mask-ops.onnx'), randomInputs([1, 3, 8, 8], 2, 7), 8);
    fs.writeFileSync(path.join(dir, 'mask-ops.eqm'), compileIntProgram(m.graph, m.prog));
    const l = await quantize(loadModelBytes(lutOpsModel(), 'lut-ops.onnx'), randomInputs([1, 3, 8, 8], 2, 7), 8);
    fs.writeFileSync(path.join(dir, 'lut-ops.eqm'), compileIntProgram(l.graph, l.prog));
    const lr = await quantize(loadModelBytes(logReduceModel(18), 'log-reduce.onnx'), randomInputs([1, 3, 8, 8], 2, 8), 8);
    fs.writeFileSync(path.join(dir, 'log-reduce.eqm'), compileIntProgram(lr.graph, lr.prog));
    const fp = await quantize(loadModelBytes(fpnOpsModel(), 'fpn-ops.onnx'), randomInputs([1, 3, 16, 16], 2, 9), 8);
    fs.writeFileSync(path.join(dir, 'fpn-ops.eqm'), compileIntProgram(fp.graph, fp.prog));
  }, 30 * 60_000);

  const runs = (
    [
      ['int8.eqm', 40_000, 11],
      ['int7.eqm', 30_000, 12],
      ['float.eqm', 30_000, 13],
      ['cnn-ops.eqm', 20_000, 14],
      ['mask-ops.eqm', 10_000, 15],
      ['lut-ops.eqm', 15_000, 16],
      ['log-reduce.eqm', 10_000, 17],
      ['fpn-ops.eqm', 10_000, 18],
    ] as [string, number, number][]
  ).map(([f, n, s]): [string, number, number] => [f, Math.max(100, Math.round(n * ITERATION_SCALE)), s]);
  for (const [seed, iterations, rs] of runs) {
    it(
      `${iterations} mutations of ${seed}: no crash, no sanitizer report`,
      () => {
        const r = spawnSync(fuzz, [path.join(dir, seed), String(iterations), String(rs)], {
          encoding: 'utf8',
          maxBuffer: 64 << 20,
          env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1' },
        });
        const out = `${r.stdout}\n${r.stderr}`;
        expect(r.signal, out.slice(-3000)).toBeNull();
        expect(r.status, out.slice(-3000)).toBe(0);
        expect(out).not.toMatch(/AddressSanitizer|LeakSanitizer|runtime error:/);
        const m = /(\d+) iterations: (\d+) rejected, (\d+) loaded, (\d+) run errors/.exec(r.stdout);
        expect(m, r.stdout).not.toBeNull();
        expect(Number(m![1])).toBe(iterations);
        // both paths are exercised: many files rejected, many loaded and run
        expect(Number(m![2])).toBeGreaterThan(iterations / 20);
        expect(Number(m![3])).toBeGreaterThan(iterations / 20);
        console.log(`[fuzz ${seed}] ${r.stdout.split('\n')[0]}`);
      },
      30 * 60_000,
    );
  }
});
