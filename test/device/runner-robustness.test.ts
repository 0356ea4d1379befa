/**
 * Acceptance 4: eqrun given a truncated, bit-flipped or empty model, a missing file, or a
 * wrong or damaged input batch exits with an error message and status 1 (2 for usage), never
 * by a signal. Checked for the aarch64 runner under qemu-aarch64-static (cortex-a53 and -a76)
 * and for the host's linux-x86_64 runner.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileEqm } from '../../src-main/core/eqm/write-eqm.js';
import { encodeBatch } from '../../src-main/deploy/batch.js';
import { inputQuantization } from '../helpers/eqm-input-quant.js';
import { randomInputs, tinyQuantized } from '../helpers/native-models.js';
import { ensureRunner } from './helpers/runners.js';

type Runner = { name: string; argv: string[] };

describe('eqrun robustness', () => {
  let dir: string;
  let good: Buffer;
  let batch: Buffer;
  const runners: Runner[] = [];

  beforeAll(async () => {
    const a64 = ensureRunner('linux-aarch64');
    const x64 = ensureRunner('linux-x86_64');
    runners.push({ name: 'aarch64 cortex-a53', argv: ['qemu-aarch64-static', '-cpu', 'cortex-a53', a64] });
    runners.push({ name: 'aarch64 cortex-a76', argv: ['qemu-aarch64-static', '-cpu', 'cortex-a76', a64] });
    runners.push({ name: 'x86_64', argv: [x64] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-robust-'));
    const q = await tinyQuantized(8);
    good = Buffer.from(compileEqm(q.graph, q.plan, q.table));
    batch = encodeBatch(randomInputs(q.dims, 3, 9), inputQuantization(good));
    fs.writeFileSync(path.join(dir, 'good.eqm'), good);
    fs.writeFileSync(path.join(dir, 'batch.eqb'), batch);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function run(r: Runner, args: string[]) {
    const p = spawnSync(r.argv[0]!, [...r.argv.slice(1), ...args], { encoding: 'utf8', timeout: 600_000 });
    return { status: p.status, signal: p.signal, stderr: p.stderr, stdout: p.stdout };
  }
  function expectCleanError(res: ReturnType<typeof run>, message: RegExp) {
    expect(res.signal).toBeNull();
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/^eqrun: /);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(message);
  }

  /** Damaged models: empty, truncated at 9 points, 12 single-bit flips spread over the file. */
  function damagedModels(): { name: string; file: string }[] {
    const out: { name: string; file: string }[] = [];
    const put = (name: string, b: Buffer) => {
      const file = path.join(dir, `${name}.eqm`);
      fs.writeFileSync(file, b);
      out.push({ name, file });
    };
    put('empty', Buffer.alloc(0));
    for (const frac of [0.001, 0.01, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 0.999]) put(`truncated-${frac}`, good.subarray(0, Math.floor(good.length * frac)));
    for (let i = 0; i < 12; i++) {
      const b = Buffer.from(good);
      const at = Math.floor(((i + 0.5) / 12) * b.length);
      b[at] = b[at]! ^ (1 << (i % 8));
      put(`bitflip-${at}`, b);
    }
    return out;
  }

  it('the intact model and batch run (the baseline the damaged cases differ from)', () => {
    for (const r of runners) {
      const res = run(r, ['infer', path.join(dir, 'good.eqm'), '--in', path.join(dir, 'batch.eqb'), '--out', path.join(dir, `out-${r.argv.length}.eqo`)]);
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
    }
  });

  it('empty, truncated and bit-flipped models are refused with a message, never a signal', () => {
    const models = damagedModels();
    for (const r of runners) {
      for (const m of models) {
        for (const args of [
          ['bench', m.file, '--runs', '1', '--warmup', '0', '--no-autotune'],
          ['infer', m.file, '--in', path.join(dir, 'batch.eqb'), '--out', path.join(dir, 'x.eqo')],
        ]) {
          const res = run(r, args);
          expectCleanError(res, m.name === 'empty' ? /is empty/ : /invalid EQM file/);
        }
      }
      expect(fs.existsSync(path.join(dir, 'x.eqo'))).toBe(false); // no half-written output
    }
  });

  it('a missing file, a wrong-size or damaged batch and bad options give clear errors', () => {
    const wrongSize = encodeBatch(randomInputs([1, 3, 12, 11], 2, 3), null);
    fs.writeFileSync(path.join(dir, 'wrong.eqb'), wrongSize);
    fs.writeFileSync(path.join(dir, 'cut.eqb'), batch.subarray(0, batch.length - 7));
    fs.writeFileSync(path.join(dir, 'junk.eqb'), Buffer.from('not a batch at all'));
    const badScale = Buffer.from(batch);
    badScale.writeFloatLE(badScale.readFloatLE(16) * 1.5, 16);
    fs.writeFileSync(path.join(dir, 'scale.eqb'), badScale);
    const m = path.join(dir, 'good.eqm');
    const o = path.join(dir, 'y.eqo');
    for (const r of runners) {
      expectCleanError(run(r, ['bench', path.join(dir, 'missing.eqm')]), /cannot read model .*missing\.eqm: No such file/);
      expectCleanError(run(r, ['infer', m, '--in', path.join(dir, 'missing.eqb'), '--out', o]), /cannot read input batch .*: No such file/);
      expectCleanError(run(r, ['infer', m, '--in', path.join(dir, 'wrong.eqb'), '--out', o]), /has 396 values per sample; the model input 'x' needs 432/);
      expectCleanError(run(r, ['infer', m, '--in', path.join(dir, 'cut.eqb'), '--out', o]), /header .* needs \d+/);
      expectCleanError(run(r, ['infer', m, '--in', path.join(dir, 'junk.eqb'), '--out', o]), /not an EQB1 batch file/);
      expectCleanError(run(r, ['infer', m, '--in', path.join(dir, 'scale.eqb'), '--out', o]), /int8 batch scale .* differs from the model's input scale/);
      expectCleanError(run(r, ['bench', m, '--runs', 'many']), /--runs must be an integer/);
      expectCleanError(run(r, ['bench', m, '--frobnicate']), /unknown option --frobnicate/);
      expect(fs.existsSync(o)).toBe(false);
      const usage = run(r, ['explode']);
      expect(usage.signal).toBeNull();
      expect(usage.status).toBe(2);
    }
  });
});
