/**
 * The data folder holds the projects database (device settings, encrypted secrets) and model
 * artifacts: a folder the app creates is 0700 and the SQLite files are 0600, whatever the umask.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../src-main/app/device-registry.js';
import { ProjectStore } from '../../src-main/store/project-store.js';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { BIN, request } from './serve-child.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-hostile-perm-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const mode = (p: string) => fs.statSync(p).mode & 0o777;

/** Runs fn with umask 000 (the worst case: everything created world-writable by default). */
function withOpenUmask<T>(fn: () => T): T {
  const old = process.umask(0);
  try {
    return fn();
  } finally {
    process.umask(old);
  }
}

describe.skipIf(process.platform === 'win32')('data folder permissions', () => {
  it('the project store creates its folder 0700 and the database 0600 (and -wal, -shm) under umask 000', () => {
    const root = path.join(tmp, 'store', 'data');
    const s = withOpenUmask(() => new ProjectStore(root));
    try {
      s.createProject('p'); // a write: the WAL file exists now
      expect(mode(root).toString(8)).toBe('700');
      const db = path.join(root, 'easyquant.db');
      expect(mode(db).toString(8)).toBe('600');
      for (const f of [`${db}-wal`, `${db}-shm`]) if (fs.existsSync(f)) expect(mode(f).toString(8), f).toBe('600');
      expect(fs.existsSync(`${db}-wal`)).toBe(true);
    } finally {
      s.close();
    }
  });

  it('the CLI device registry creating the folder does the same', () => {
    const root = path.join(tmp, 'devices-data');
    const r = withOpenUmask(() => new DeviceRegistry({ dataRoot: root, home: path.join(tmp, 'deploy'), legacyHome: path.join(tmp, 'no-legacy') }));
    r.close();
    expect(mode(root).toString(8)).toBe('700');
    expect(mode(path.join(root, 'easyquant.db')).toString(8)).toBe('600');
  });

  it('a database left 0644 by an earlier version becomes 0600; a folder the user made is left as it is', () => {
    const root = path.join(tmp, 'old');
    fs.mkdirSync(root, { mode: 0o755 });
    fs.chmodSync(root, 0o755);
    new ProjectStore(root).close();
    const db = path.join(root, 'easyquant.db');
    fs.chmodSync(db, 0o644);
    new ProjectStore(root).close();
    expect(mode(db).toString(8)).toBe('600');
    expect(mode(root).toString(8)).toBe('755');
  });

  it('`easyquant serve` started under umask 000 creates a private data folder', async () => {
    const root = path.join(tmp, 'served');
    const child = spawn('/bin/sh', ['-c', `umask 000 && exec "${process.execPath}" "${BIN}" serve --port 0 --no-build --data-dir "${root}"`], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((r) => child.on('exit', r));
    const { port, token } = await new Promise<{ port: number; token: string }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /127\.0\.0\.1:(\d+)\/\?token=(\S+)/.exec(out);
        if (m) resolve({ port: Number(m[1]), token: m[2]! });
      });
      child.on('exit', (c) => reject(new Error(`serve exited with ${c}`)));
    });
    try {
      expect(await request({ port, token }, '/api/ping')).toMatchObject({ status: 200 });
      expect(mode(root).toString(8)).toBe('700');
      expect(mode(path.join(root, 'easyquant.db')).toString(8)).toBe('600');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
