/**
 * One set of boards for the app and the CLI: `easyquant devices` (app/device-registry.ts)
 * and the app's Devices page (AppService, ProjectStore) read and write the same SQLite devices
 * table; boards from the old JSON registry are imported once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toDeployDevice } from '../../src-main/app/deploy-backend.js';
import { AppService } from '../../src-main/app/app-service.js';
import { DeviceRegistry } from '../../src-main/app/device-registry.js';
import { runCli } from '../helpers/cli.js';

describe('devices shared by the app and the CLI', () => {
  let tmp: string;
  let home: string;
  let dataRoot: string;
  let key: string;
  const open: { close(): unknown }[] = [];
  const registry = () => {
    const r = new DeviceRegistry({ dataRoot, home: path.join(dataRoot, 'deploy'), legacyHome: home });
    open.push(r);
    return r;
  };
  const app = () => {
    const s = new AppService({ dataRoot, mode: 'web', version: 'test' });
    open.push(s);
    return s;
  };

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-devshared-'));
    home = path.join(tmp, 'deploy');
    dataRoot = path.join(tmp, 'data');
    key = path.join(tmp, 'id_ed25519');
    fs.writeFileSync(key, 'not a real key');
  });
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a board added from the CLI side is in the app, with every connection setting', () => {
    const d = registry().add({
      transport: 'ssh',
      name: 'a53',
      host: '127.0.0.1',
      port: 2222,
      user: 'root',
      keyPath: key,
      dir: 'eq',
      timeoutMs: 3000,
      jump: { host: '10.0.0.1', port: 22, user: 'j', keyPath: key },
    });
    const listed = app().listDevices();
    expect(listed.map((x) => x.name)).toEqual(['a53']);
    expect(listed[0]!.config).toMatchObject({ transport: 'ssh', host: '127.0.0.1', port: 2222, user: 'root', keyPath: key, dir: 'eq', timeoutMs: 3000 });
    // the app deploys to exactly the board the CLI registered
    expect(toDeployDevice(listed[0]!)).toEqual(d);
  });

  it('a board added in the app is usable from the CLI; one without a key path is listed as unusable, with the reason', () => {
    const s = app();
    s.addDevice('uart', { transport: 'serial', path: '/dev/ttyUSB0', baud: 921600 });
    s.addDevice('pw-board', { transport: 'ssh', host: 'board.local', port: 22, user: 'pi' });
    const r = registry();
    expect(r.list().map((d) => [d.name, d.transport])).toEqual([['uart', 'serial']]);
    expect(r.get('uart')).toMatchObject({ path: '/dev/ttyUSB0', baud: 921600, dir: '.easyquant' });
    expect(r.unusable).toEqual([{ name: 'pw-board', reason: expect.stringMatching(/no SSH key path/) }]);
    expect(() => r.get('pw-board')).toThrow(/device 'pw-board' cannot be used from the CLI: it has no SSH key path/);
  });

  it('probe results and removals are seen on both sides', () => {
    const r = registry();
    r.add({ transport: 'serial', name: 'b', path: '/dev/ttyS1' });
    r.setProbe('b', { machine: 'aarch64', at: '2026-11-26T00:00:00.000Z' });
    const s = app();
    expect(s.listDevices()[0]!.probe).toMatchObject({ machine: 'aarch64' });
    expect(r.get('b').probe).toMatchObject({ machine: 'aarch64' });
    s.removeDevice(s.listDevices()[0]!.id);
    expect(r.list()).toEqual([]);
    expect(() => r.get('b')).toThrow(/no device named 'b' \(known: none/);
  });

  it('--replace keeps the row (and the app profiles that point at it) but replaces the settings', () => {
    const r = registry();
    r.add({ transport: 'serial', name: 'c', path: '/dev/ttyS1' });
    const id = app().listDevices()[0]!.id;
    expect(() => r.add({ transport: 'serial', name: 'c', path: '/dev/ttyS2' })).toThrow(/already exists/);
    r.add({ transport: 'serial', name: 'c', path: '/dev/ttyS2' }, true);
    const after = app().listDevices();
    expect(after.map((d) => [d.id, (d.config as { path: string }).path])).toEqual([[id, '/dev/ttyS2']]);
  });

  it('boards of the old JSON registry are imported once; a damaged one is refused with its file name', () => {
    fs.mkdirSync(home, { recursive: true });
    const file = path.join(home, 'devices.json');
    fs.writeFileSync(file, JSON.stringify({ devices: [{ transport: 'serial', name: 'old', path: '/dev/ttyACM0', baud: 115200, dir: 'x', timeoutMs: 5000 }] }));
    expect(registry().get('old')).toMatchObject({ path: '/dev/ttyACM0', dir: 'x' });
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(`${file}.imported`)).toBe(true);
    expect(
      app()
        .listDevices()
        .map((d) => d.name),
    ).toEqual(['old']);
    fs.writeFileSync(file, '{ not json');
    expect(() => registry()).toThrow(new RegExp(`old device registry ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not valid JSON`));
  });

  it('`easyquant devices add/list/remove` use the app data folder (EQ_DATA_DIR)', () => {
    const env = { EQ_DATA_DIR: dataRoot, HOME: tmp };
    let c = runCli(['devices', 'add', 'cli-board', '--serial', '/dev/ttyS9', '--dir', 'eq', '--json'], { env });
    expect(c.stderr).toBe('');
    expect(c.code).toBe(0);
    expect(
      app()
        .listDevices()
        .map((d) => d.name),
    ).toEqual(['cli-board']);
    c = runCli(['devices', 'list', '--json'], { env });
    expect(JSON.parse(c.stdout).devices.map((d: { name: string }) => d.name)).toEqual(['cli-board']);
    c = runCli(['devices', 'remove', 'cli-board'], { env });
    expect(c.code).toBe(0);
    expect(app().listDevices()).toEqual([]);
  }, 120_000);
});
