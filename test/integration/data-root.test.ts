/**
 * One data root: deploy state under `<data folder>/deploy` (old ~/.easyquant/known_hosts copied
 * once, EQ_DEPLOY_HOME still honoured with a notice), and profile results of the CLI and the
 * app in one SQLite table (an old results.jsonl imported once).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppService } from '../../src-main/app/app-service.js';
import { DeviceResultStore } from '../../src-main/app/device-result-store.js';
import { deviceResultsOf } from '../../src-main/app/device-results.js';
import { deployHome, legacyDeployHome } from '../../src-main/store/deploy-home.js';
import { ProjectStore } from '../../src-main/store/project-store.js';
import { runCli } from '../helpers/cli.js';
import { cardPath, describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-dataroot-'));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const KNOWN = '[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n';

describe('deploy home', () => {
  it('is <data folder>/deploy; the old known_hosts is copied there once and the old file is left as it was', () => {
    const old = path.join(tmp, 'old');
    fs.mkdirSync(old);
    const oldFile = path.join(old, 'known_hosts');
    fs.writeFileSync(oldFile, KNOWN, { mode: 0o644 });
    const before = fs.statSync(oldFile);
    const data = path.join(tmp, 'data');
    const notices: string[] = [];
    const home = deployHome(data, { env: {}, oldDefault: old, notice: (l) => notices.push(l) });
    expect(home).toBe(path.join(data, 'deploy'));
    const copied = path.join(home, 'known_hosts');
    expect(fs.readFileSync(copied, 'utf8')).toBe(KNOWN);
    expect(fs.statSync(copied).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(oldFile, 'utf8')).toBe(KNOWN);
    expect(fs.statSync(oldFile).mtimeMs).toBe(before.mtimeMs);
    expect(fs.readdirSync(home)).toEqual(['known_hosts']);
    expect(notices).toEqual([]);
    // once: a host key learnt (or forgotten) in the new file is never overwritten by the old one
    fs.writeFileSync(copied, '');
    deployHome(data, { env: {}, oldDefault: old });
    expect(fs.readFileSync(copied, 'utf8')).toBe('');
  });

  it('without an old known_hosts nothing is created', () => {
    const home = deployHome(path.join(tmp, 'data'), { env: {}, oldDefault: path.join(tmp, 'none') });
    expect(fs.existsSync(home)).toBe(false);
  });

  it('EQ_DEPLOY_HOME still wins, with a deprecation notice, and is then where old records are read', () => {
    const notices: string[] = [];
    const env = { EQ_DEPLOY_HOME: path.join(tmp, 'custom') };
    expect(deployHome(path.join(tmp, 'data'), { env, oldDefault: path.join(tmp, 'old'), notice: (l) => notices.push(l) })).toBe(env.EQ_DEPLOY_HOME);
    expect(notices).toEqual([expect.stringMatching(/^easyquant: EQ_DEPLOY_HOME is deprecated .* deploy state belongs in .*data\/deploy/)]);
    expect(legacyDeployHome({ env, oldDefault: path.join(tmp, 'old') })).toBe(env.EQ_DEPLOY_HOME);
    expect(legacyDeployHome({ env: {}, oldDefault: path.join(tmp, 'old') })).toBe(path.join(tmp, 'old'));
  });

  it('the CLI prints the EQ_DEPLOY_HOME notice once on stderr; without it, it uses <EQ_DATA_DIR>/deploy', () => {
    const data = path.join(tmp, 'data');
    let r = runCli(['devices', 'add', 'b', '--serial', '/dev/ttyS9'], { env: { EQ_DATA_DIR: data, EQ_DEPLOY_HOME: path.join(tmp, 'custom'), HOME: tmp } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^easyquant: EQ_DEPLOY_HOME is deprecated/)]);
    fs.mkdirSync(path.join(tmp, '.easyquant'));
    fs.writeFileSync(path.join(tmp, '.easyquant', 'known_hosts'), KNOWN);
    r = runCli(['devices', 'list'], { env: { EQ_DATA_DIR: data, HOME: tmp } });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(fs.readFileSync(path.join(data, 'deploy', 'known_hosts'), 'utf8')).toBe(KNOWN);
  }, 120_000);
});

describe('results.jsonl import', () => {
  const line = (o: Record<string, unknown>) => JSON.stringify({ device: 'rpi', modelSha256: 'f00d', bits: 8, method: 'eq', at: '2026-11-01T00:00:00.000Z', ...o });

  it('imports the parseable lines once, counts the others, and leaves the file alone', () => {
    const old = path.join(tmp, 'old');
    fs.mkdirSync(old);
    const file = path.join(old, 'results.jsonl');
    const text = [
      line({ machine: 'aarch64', isa: 'neon', bench: { latencyMs: { median: 4.5 } }, accuracy: { agreement: 1 } }),
      line({ bits: 7, at: '2026-11-02T00:00:00.000Z', error: 'HOST KEY CHANGED' }),
      '{"device":"rpi","modelSha256":"f0', // cut by a crash
      JSON.stringify({ device: 'rpi', bits: 8 }), // no model sha256
      '',
    ].join('\n');
    fs.writeFileSync(file, text);
    const s = new DeviceResultStore(path.join(tmp, 'data'), old);
    expect(s.imported).toEqual({ file, imported: 2, skipped: 2 });
    expect(s.query({ device: 'rpi' }).map((r) => [r.bits, r.source, r.isa, r.error])).toEqual([
      [8, 'import', 'neon', null],
      [7, 'import', null, 'HOST KEY CHANGED'],
    ]);
    expect(s.query({ bits: 8 })[0]).toMatchObject({ bench: { latencyMs: { median: 4.5 } }, accuracy: { agreement: 1 }, at: '2026-11-01T00:00:00.000Z' });
    s.close();
    const again = new DeviceResultStore(path.join(tmp, 'data'), old);
    expect(again.imported).toBeNull();
    expect(again.query()).toHaveLength(2);
    again.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    // the app reads the same rows (and does not import them a second time)
    const store = new ProjectStore(path.join(tmp, 'data'));
    const dev = store.addDevice('rpi', { transport: 'serial', path: '/dev/ttyS1', baud: 115200 }, null);
    expect(deviceResultsOf(store, dev.id, old).map((r) => r.bits)).toEqual([7, 8]);
    store.close();
  });

  it('the app imports it too when it is the first to open the data folder', () => {
    const old = path.join(tmp, 'old');
    fs.mkdirSync(old);
    fs.writeFileSync(path.join(old, 'results.jsonl'), `${line({})}\nnot json\n`);
    const store = new ProjectStore(path.join(tmp, 'data'));
    const dev = store.addDevice('rpi', { transport: 'serial', path: '/dev/ttyS1', baud: 115200 }, null);
    expect(deviceResultsOf(store, dev.id, old).map((r) => [r.device, r.source])).toEqual([['rpi', 'import']]);
    expect(store.importResultsJsonl(path.join(old, 'results.jsonl'))).toBeNull();
    store.close();
  });
});

describeShared('profile results of the CLI in the app', () => {
  it('`easyquant profile` stores each board x variant (here: a board that refuses the connection); the app and `easyquant results` list it', async () => {
    const data = path.join(tmp, 'data');
    const env = { EQ_DATA_DIR: data, HOME: tmp };
    const key = path.join(tmp, 'id_ed25519');
    fs.writeFileSync(key, 'not a real key');
    let r = runCli(['devices', 'add', 'gone', '--ssh', 'root@127.0.0.1:1', '--key', key], { env });
    expect(r.code, r.stderr).toBe(0);
    r = runCli(['profile', '--device', 'gone', '--model', modelPath('mnist'), '--card', cardPath('mnist'), '--compare', 'fp32', '--no-bench', '--json'], { env });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { devices: { device: string; ok: boolean; error: string }[] };
    expect(Object.keys(out)).toEqual(['devices']);
    expect(out.devices).toEqual([{ device: 'gone', ok: false, error: expect.any(String), seconds: expect.any(Number) }]);

    const app = new AppService({ dataRoot: data, mode: 'web', version: 'test' });
    try {
      const dev = app.listDevices().find((d) => d.name === 'gone')!;
      const rows = app.deviceResults(dev.id);
      expect(rows).toEqual([
        expect.objectContaining({
          device: 'gone',
          bits: 32,
          method: 'fp32',
          label: 'fp32',
          source: 'cli',
          profileId: null,
          error: out.devices[0]!.error,
          modelSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        }),
      ]);
    } finally {
      await app.close();
    }
    r = runCli(['results', '--device', 'gone', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { results: { device: string; bits: number }[] }).results.map((x) => [x.device, x.bits])).toEqual([['gone', 32]]);
    r = runCli(['results'], { env });
    expect(r.stdout).toMatch(/^at\s+device\s+model\s+variant/);
    expect(r.stdout).toMatch(/gone\s+[0-9a-f]{12}\s+fp32/);
  }, 300_000);

  it("the app's profiles land in the same table, tied to the app profile (here: the board refuses the connection)", async () => {
    const data = path.join(tmp, 'data');
    const scales = path.join(tmp, 's8');
    const c = runCli([
      'calibrate',
      '--model',
      modelPath('mnist'),
      '--card',
      cardPath('mnist'),
      '--data',
      MNIST_DIR,
      '--method',
      'minmax',
      '--bits',
      '8',
      '--calib',
      '10',
      '--out',
      scales,
      '--quiet',
    ]);
    expect(c.code, c.stderr).toBe(0);
    const app = new AppService({ dataRoot: data, mode: 'web', version: 'test' });
    try {
      const p = await app.createProject('mnist', modelPath('mnist'), cardPath('mnist'));
      await app.setDataset(p.id, MNIST_DIR);
      const run = app.store.importRun(
        p.id,
        { method: 'minmax', bits: 8, alpha: 0.5, beta: 2, steps: 100, rounds: 1, samplePositions: 64, percentile: 99.99, calibImages: 10, threads: 1 },
        scales,
        1,
      );
      const key = path.join(tmp, 'id_ed25519');
      fs.writeFileSync(key, 'not a real key');
      const dev = app.addDevice('gone', { transport: 'ssh', host: '127.0.0.1', port: 1, user: 'root', keyPath: key });
      const [prof] = await app.profile(p.id, [dev.id], run.id, ['fp32']);
      expect(prof).toMatchObject({ status: 'failed', error: expect.any(String) });
      const rows = app.deviceResults(dev.id);
      expect(rows.map((r) => [r.label, r.bits, r.source, r.profileId, r.error, r.modelSha256])).toEqual([
        ['FP32', 32, 'app', prof!.id, prof!.error, p.modelSha256],
        ['MinMax INT8', 8, 'app', prof!.id, prof!.error, p.modelSha256],
      ]);
    } finally {
      await app.close();
    }
    // and the CLI lists them
    const r = runCli(['results', '--json'], { env: { EQ_DATA_DIR: data, HOME: tmp } });
    expect((JSON.parse(r.stdout) as { results: { source: string }[] }).results.map((x) => x.source)).toEqual(['app', 'app']);
  }, 300_000);
});
