/**
 * `easyquant search`: option errors are specific; a small real search on the MNIST CNN writes a
 * Pareto front and a layer-bits file that `calibrate --layer-bits-file` accepts; a saved profile
 * drives a second search (--profile) the same way a board's profile would.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cardPath, describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-cli-search-'));
const base = ['search', '--model', 'm.onnx', '--data', 'd', '--scales-int8', 'a.json', '--scales-int7', 'b.json', '--out', tmp];

describe('CLI search: option errors', () => {
  it('needs exactly one budget', () => {
    const r = runCli(base);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/exactly one of --budget and --latency-budget/);
    const both = runCli([...base, '--budget', 'agreement>=0.9', '--latency-budget', '3']);
    expect(both.stderr).toMatch(/exactly one of --budget and --latency-budget/);
  });
  it('explains a malformed budget', () => {
    const r = runCli([...base, '--budget', 'top5>=0.9']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--budget 'top5>=0.9': expected agreement>=X or top1>=X or top1>=X\*fp32/);
    expect(runCli([...base, '--latency-budget', 'fast']).stderr).toMatch(/--latency-budget 'fast': expected a positive number/);
  });
});

describeShared('CLI search on the MNIST CNN', () => {
  const m = ['--model', modelPath('mnist'), '--card', cardPath('mnist'), '--data', MNIST_DIR];
  const scales = (bits: number) => path.join(tmp, `int${bits}`, 'scales.json');

  it('writes the front and a usable layer-bits file; a saved profile drives it too', () => {
    for (const b of [8, 7]) {
      const r = runCli(['calibrate', ...m, '--method', 'minmax', '--bits', String(b), '--calib', '8', '--quiet', '--out', path.join(tmp, `int${b}`)]);
      expect(r.code, r.stderr).toBe(0);
    }
    const common = [...m, '--scales-int8', scales(8), '--scales-int7', scales(7), '--calib', '8', '--search-images', '40', '--runs', '3', '--json'];
    const profile = path.join(tmp, 'profile.json');
    const r = runCli(['search', ...common, '--budget', 'agreement>=0.95', '--save-profile', profile, '--out', path.join(tmp, 's1')]);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as {
      points: { latencyMs: number; agreement: number; measuredMs?: number; layerBits: Record<string, string>; layerKernels: Record<string, string | undefined> }[];
      front: number[];
      chosen: number | null;
      searchImages: number;
      files: { layerBits: string };
    };
    expect(res.searchImages).toBe(40);
    expect(res.chosen).not.toBeNull();
    const chosen = res.points[res.chosen!]!;
    expect(chosen.agreement).toBeGreaterThanOrEqual(0.95);
    for (const i of res.front) expect(res.points[i]!.measuredMs).toBeGreaterThan(0);
    const bits = JSON.parse(fs.readFileSync(res.files.layerBits, 'utf8')) as Record<string, string>;
    expect(bits).toEqual(chosen.layerBits);
    // each quantized layer names the kernel its time came from, in the profile of its precision
    const prof = JSON.parse(fs.readFileSync(profile, 'utf8')) as Record<string, { layers: { name: string; kernel?: string }[] }>;
    for (const pt of res.points)
      for (const [layer, prec] of Object.entries(pt.layerBits)) {
        const k = prof[prec]?.layers.find((l) => l.name === layer)?.kernel;
        expect(pt.layerKernels[layer], `${layer} at ${prec}`).toBe(k);
        if (prec !== 'fp32') expect(k, `${layer} at ${prec}`).toMatch(/^(gemm|wino\d\d|amxconv|dw):/);
      }
    const saved = JSON.parse(fs.readFileSync(path.join(tmp, 's1', 'pareto.json'), 'utf8')) as typeof res;
    expect(saved.points.map((p) => p.latencyMs)).toEqual(res.points.map((p) => p.latencyMs));
    // the chosen map calibrates for real
    const c = runCli(['calibrate', ...m, '--method', 'minmax', '--calib', '8', '--quiet', '--layer-bits-file', res.files.layerBits, '--out', path.join(tmp, 'mixed')]);
    expect(c.code, c.stderr).toBe(0);
    // the same search from the saved profile (as from a board's)
    const p = runCli(['search', ...common, '--latency-budget', '1000', '--profile', profile, '--out', path.join(tmp, 's2')]);
    expect(p.code, p.stderr).toBe(0);
    const pr = JSON.parse(p.stdout) as { latencySource: string; chosen: number | null };
    expect(pr.latencySource).toContain(profile);
    expect(pr.chosen).not.toBeNull();
    // the same profile as a board's 'profile --device … --json' output (variants keyed by bits)
    const set = JSON.parse(fs.readFileSync(profile, 'utf8')) as Record<string, unknown>;
    const variants = Object.entries(set).map(([k, bench]) => ({
      label: k,
      bits: k === 'fp32' ? 32 : Number(k.slice(3)),
      method: 'eq',
      modelSha256: 'x',
      remoteModel: '/tmp/m.eqm',
      pushed: { model: 1 },
      bench,
    }));
    const board = path.join(tmp, 'board.json');
    fs.writeFileSync(board, JSON.stringify({ devices: [{ device: 'a53', ok: true, seconds: 1, result: { machine: 'aarch64', variants } }] }));
    const b = runCli(['search', ...common, '--latency-budget', '1000', '--profile', board, '--out', path.join(tmp, 's4')]);
    expect(b.code, b.stderr).toBe(0);
    const br = JSON.parse(b.stdout) as { latencySource: string; chosen: number | null; points: { layerBits: unknown }[] };
    expect(br.latencySource).toContain(board);
    expect(br.chosen).not.toBeNull();
    expect(br.points[br.chosen!]!.layerBits).toEqual((pr as unknown as typeof br).points[pr.chosen!]!.layerBits);
    // a profile that does not belong to the model is named
    fs.writeFileSync(
      path.join(tmp, 'bad.json'),
      JSON.stringify({
        int8: { warmup: 0, runs: 1, threads: 1, isa: 'neon', latencyMs: { min: 1, median: 1, p90: 1, max: 1, mean: 1 }, layers: [] },
        int7: { warmup: 0, runs: 1, threads: 1, isa: 'neon', latencyMs: { min: 1, median: 1, p90: 1, max: 1, mean: 1 }, layers: [] },
      }),
    );
    const bad = runCli(['search', ...common, '--latency-budget', '5', '--profile', path.join(tmp, 'bad.json'), '--out', path.join(tmp, 's3')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/the int8 profile has no layer '.+' \(was it made for this model\?\)/);
  }, 900_000);
});
