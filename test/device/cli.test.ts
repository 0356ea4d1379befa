/**
 * The deploy CLI end to end against a simulated SSH board (cortex-a76), with MNIST:
 * `devices add|list|probe|remove`, `deploy` (then again: nothing sent) and
 * `profile --compare int8,int7,fp32 --data … --json`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ensureNativeAddon } from '../helpers/native.js';
import { cardPath, describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';
import { ensureRunner } from './helpers/runners.js';
import { startSshBoard, type SshBoard } from './helpers/ssh-board.js';
import { scaled } from './helpers/timeouts.js';

describeShared('easyquant devices / deploy / profile', () => {
  let board: SshBoard;
  let home: string;
  let env: Record<string, string>;
  const model = modelPath('mnist');
  const card = cardPath('mnist');
  beforeAll(async () => {
    ensureRunner('linux-aarch64');
    ensureNativeAddon();
    board = await startSshBoard({ cpu: 'cortex-a76' });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-devcli-'));
    // HOME: no ~/.easyquant of the machine's user is imported
    env = { EQ_DATA_DIR: path.join(home, 'data'), HOME: home };
    for (const bits of [8, 7]) {
      const r = runCli([
        'calibrate',
        '--model',
        model,
        '--card',
        card,
        '--data',
        MNIST_DIR,
        '--method',
        'minmax',
        '--bits',
        String(bits),
        '--calib',
        '20',
        '--out',
        path.join(home, `s${bits}`),
        '--quiet',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });
  afterAll(async () => {
    await board?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('adds, probes, deploys (cached the second time), profiles int8/int7/fp32 and removes a board', () => {
    let r = runCli(['devices', 'add', 'a76', '--ssh', `root@127.0.0.1:${board.port}`, '--key', board.keyPath, '--dir', board.dir, '--timeout', String(scaled(10_000))], { env });
    expect(r.code).toBe(0);
    r = runCli(['devices', 'list', '--json'], { env });
    expect(JSON.parse(r.stdout).devices.map((d: { name: string }) => d.name)).toEqual(['a76']);
    r = runCli(['devices', 'probe', 'a76', '--json'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/trusting new host key of 127\.0\.0\.1:\d+: SHA256:/);
    expect(JSON.parse(r.stdout)).toMatchObject({ device: 'a76', machine: 'aarch64' });

    const deploy = ['deploy', '--device', 'a76', '--model', model, '--card', card, '--scales', path.join(home, 's8', 'scales.json'), '--json'];
    r = runCli(deploy, { env });
    expect(r.code).toBe(0);
    const first = JSON.parse(r.stdout);
    expect(first.model.cached).toBe(false);
    expect(fs.existsSync(path.join(board.dir, 'eqrun'))).toBe(true);
    r = runCli(deploy, { env });
    const second = JSON.parse(r.stdout);
    expect([second.runner.cached, second.model.cached, second.scales.cached]).toEqual([true, true, true]);

    r = runCli(['devices', 'probe', 'a76', '--json'], { env });
    expect(JSON.parse(r.stdout).info).toMatchObject({ arch: 'aarch64', isa: 'dotprod' });

    r = runCli(
      [
        'profile',
        '--device',
        'a76',
        '--model',
        model,
        '--card',
        card,
        '--scales',
        path.join(home, 's8', 'scales.json'),
        '--scales',
        path.join(home, 's7', 'scales.json'),
        '--compare',
        'int8,int7,fp32',
        '--data',
        MNIST_DIR,
        '--limit',
        '20',
        '--runs',
        '3',
        '--warmup',
        '1',
        '--json',
      ],
      { env },
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout).devices[0];
    expect(out.ok).toBe(true);
    const v = out.result.variants as {
      label: string;
      bits: number;
      bench: { layers: unknown[]; latencyMs: { median: number } };
      accuracy: { bitExact: number; images: number; top1: number };
    }[];
    expect(v.map((x) => x.label)).toEqual(['int8', 'int7', 'fp32']);
    for (const x of v) {
      expect(x.accuracy.images).toBe(20);
      expect(x.accuracy.bitExact).toBe(20);
      expect(x.accuracy.top1).toBeGreaterThan(0.8);
      expect(x.bench.layers.length).toBeGreaterThan(0);
    }
    console.log(`[cli] MNIST on a76 (qemu): ${v.map((x) => `${x.label} median ${x.bench.latencyMs.median.toFixed(2)} ms top-1 ${x.accuracy.top1}`).join('; ')}`);
    // stored in the data folder's device_results table, listed by `easyquant results`
    r = runCli(['results', '--device', 'a76', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout).results as { bits: number; source: string; machine: string; error: string | null }[];
    expect(results.map((x) => [x.bits, x.source, x.machine, x.error])).toEqual([
      [8, 'cli', 'aarch64', null],
      [7, 'cli', 'aarch64', null],
      [32, 'cli', 'aarch64', null],
    ]);
    // the host key the first probe trusted, in the data folder
    expect(fs.readFileSync(path.join(home, 'data', 'deploy', 'known_hosts'), 'utf8')).toMatch(/^\[127\.0\.0\.1\]:\d+ ssh-/);

    r = runCli(['devices', 'remove', 'a76'], { env });
    expect(r.code).toBe(0);
    r = runCli(['deploy', '--device', 'a76', '--model', model, '--scales', 'x'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^easyquant: error: no device named 'a76'/);
  });
});
