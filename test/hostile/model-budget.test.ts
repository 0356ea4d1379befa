// A model over the resource budget (MACs per image, largest activation) is refused by
// calibrate/eval/compile, in the CLI and in the app's worker jobs, before it runs; inspect
// shows the figures and a warning. The model: a 150 kB ONNX whose Conv pads a 32x32 input to
// 5112x5112 (test/helpers/huge-pad-model.ts), ~1008 G MACs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJob } from '../../src-main/app/worker-pool.js';
import { runCli } from '../helpers/cli.js';
import { hugePadModel } from '../helpers/huge-pad-model.js';
import { describeShared, MNIST_DIR } from '../helpers/shared.js';

let dir: string;
let model: string;
const ACT = "node 'Conv_0' output 1×64×5112×5112 = 6.7 GB float32";
const over = (file: string) =>
  `${file}: 1008.5 G MACs per image exceeds the limit of 200 G (largest activation: ${ACT}); raise it with --max-gmacs N or EQ_MAX_GMACS; it also exceeds the activation limit of 2 GB (--max-activation-gb N or EQ_MAX_ACTIVATION_GB)`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-budget-'));
  model = path.join(dir, 'huge.onnx');
  fs.writeFileSync(model, hugePadModel());
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('inspect on a model over the budget', () => {
  it('works, and shows the figures and a warning', () => {
    const r = runCli(['inspect', '--model', model]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('MACs 1008507.1 M');
    expect(r.stdout).toContain(`largest activation: ${ACT}`);
    expect(r.stderr).toContain(`warning: calibrate, eval and compile will refuse this model: ${over(model)}`);
    const j = JSON.parse(runCli(['inspect', '--model', model, '--json']).stdout) as { warnings: string[]; largestActivation: { dims: number[]; bytes: number } };
    expect(j.warnings).toEqual([`calibrate, eval and compile will refuse this model: ${over(model)}`]);
    expect(j.largestActivation.dims).toEqual([1, 64, 5112, 5112]);
  });
});

describeShared('calibrate/eval/compile refuse it', () => {
  it('calibrate: exit 1 with the figures, no output folder', () => {
    const out = path.join(dir, 'out');
    const t0 = Date.now();
    const r = runCli(['calibrate', '--model', model, '--data', MNIST_DIR, '--out', out, '--quiet']);
    console.log(`calibrate refused in ${Date.now() - t0} ms: ${r.stderr.trim()}`);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`easyquant: error: ${over(model)}`);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('eval: exit 1 with the figures', () => {
    const r = runCli(['eval', '--model', model, '--data', MNIST_DIR, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`easyquant: error: ${over(model)}`);
  });

  it('compile: exit 1 with the figures, no .eqm', () => {
    const out = path.join(dir, 'm.eqm');
    const r = runCli(['compile', '--model', model, '--scales', path.join(dir, 'scales.json'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`easyquant: error: ${over(model)}`);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('--max-gmacs and EQ_MAX_GMACS raise the MAC limit (the activation limit still refuses it)', () => {
    const act = `easyquant: error: ${model}: the largest activation, ${ACT}, exceeds the limit of 2 GB (1008.5 G MACs per image); raise it with --max-activation-gb N or EQ_MAX_ACTIVATION_GB`;
    const a = runCli(['eval', '--model', model, '--data', MNIST_DIR, '--quiet', '--max-gmacs', '2000']);
    expect(a.stderr.trim()).toBe(act);
    const b = runCli(['eval', '--model', model, '--data', MNIST_DIR, '--quiet'], { env: { EQ_MAX_GMACS: '2000' } });
    expect(b.stderr.trim()).toBe(act);
    const c = runCli(['eval', '--model', model, '--data', MNIST_DIR, '--quiet', '--max-gmacs', '0']);
    expect(c.code).not.toBe(0);
    expect(c.stderr).toContain("--max-gmacs must be a positive number (got '0')");
  });

  it("the app's calibrate and evaluate jobs (worker threads) refuse it too", async () => {
    const req = { model, data: MNIST_DIR };
    await expect(startJob({ kind: 'calibrate', req: { ...req, settings: {}, calibImages: 4, out: path.join(dir, 'app-out') } }).promise).rejects.toThrow(over(model));
    await expect(startJob({ kind: 'evaluate', req: { ...req, engine: 'fp32' } }).promise).rejects.toThrow(over(model));
    expect(fs.existsSync(path.join(dir, 'app-out'))).toBe(false);
  });
});
