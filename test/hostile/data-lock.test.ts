/**
 * Two `easyquant serve` on one data folder: the second must refuse (non-zero exit, a message
 * naming the folder and the first one's pid) and leave the first one's live run and its
 * half-written `.tmp-` folder alone. Device commands keep working while the server runs; a
 * lock left by a killed server is taken over.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDataLock, DataLockError, lockFileOf } from '../../src-main/store/data-lock.js';
import { ProjectStore } from '../../src-main/store/project-store.js';
import { PROJECT_ROOT } from '../helpers/shared.js';
import { BIN, request, spawnServe, startServe, type ServeChild } from './serve-child.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-hostile-lock-'));
const started: ServeChild[] = [];
afterAll(async () => {
  for (const s of started) await s.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A project with a 'running' run and its half-written artifact folder, as a live calibration has. */
function plantLiveRun(dataDir: string): { runId: string; tmpDir: string } {
  const db = new Database(path.join(dataDir, 'easyquant.db'));
  const t = new Date().toISOString();
  const folder = path.join(dataDir, 'projects', 'p_live');
  const runDir = path.join(folder, 'runs', 'r_live');
  db.prepare(`INSERT INTO projects (id, name, folder, created_at, updated_at) VALUES ('p_live', 'live', ?, ?, ?)`).run(folder, t, t);
  db.prepare(
    `INSERT INTO runs (id, project_id, method, bits, settings_json, calib_images, status, artifact_dir, started_at) VALUES ('r_live', 'p_live', 'eq', 8, '{}', 20, 'running', ?, ?)`,
  ).run(runDir, t);
  db.close();
  const tmpDir = path.join(folder, 'runs', '.r_live.tmp-abc');
  fs.mkdirSync(tmpDir, { recursive: true });
  fs.writeFileSync(path.join(tmpDir, 'scales.json'), '{"half": ');
  return { runId: 'r_live', tmpDir };
}

function runStatus(dataDir: string, id: string): string {
  const db = new Database(path.join(dataDir, 'easyquant.db'), { readonly: true });
  const r = db.prepare(`SELECT status FROM runs WHERE id = ?`).get(id) as { status: string };
  db.close();
  return r.status;
}

describe('one server per data folder', () => {
  it('a second serve on the same folder refuses and leaves the first one alone', async () => {
    const dataDir = path.join(tmp, 'd1');
    const first = await startServe(dataDir);
    started.push(first);
    const live = plantLiveRun(dataDir);

    const second = await spawnServe(dataDir);
    if ('proc' in second) {
      started.push(second);
      await second.stop();
      expect.fail(`the second server started on port ${second.port}; run is now ${runStatus(dataDir, live.runId)}`);
    }
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`data folder ${dataDir} is in use by another EasyQuant Studio process (pid ${first.proc.pid})`);
    expect(second.stderr).not.toMatch(/\n\s+at /); // a message, not a stack

    expect(runStatus(dataDir, live.runId)).toBe('running');
    expect(fs.existsSync(live.tmpDir)).toBe(true);
    expect(await request(first, '/api/ping')).toMatchObject({ status: 200 });
    expect(fs.readFileSync(lockFileOf(dataDir), 'utf8').trim()).toBe(String(first.proc.pid));

    // device commands only read/write the devices table: they work while the server runs
    // deploy state lives in the data folder now (EQ_DEPLOY_HOME is deprecated and would print a notice)
    const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'EQ_DEPLOY_HOME')), EQ_DATA_DIR: dataDir, HOME: tmp };
    const list = spawnSync(process.execPath, [BIN, 'devices', 'list'], { cwd: PROJECT_ROOT, encoding: 'utf8', env });
    expect(list.stderr).toBe('');
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/no devices/);

    // once the first stops (SIGTERM) its lock is gone and the folder opens again, recovering the run
    expect(await first.stop()).toBe(0);
    expect(fs.existsSync(lockFileOf(dataDir))).toBe(false);
    const s = new ProjectStore(dataDir);
    expect(s.recovery.interruptedRuns).toEqual([live.runId]);
    s.close();
  });

  it('a lock left by a killed server (dead pid) is taken over', async () => {
    const dataDir = path.join(tmp, 'd2');
    const a = await startServe(dataDir);
    started.push(a);
    a.proc.kill('SIGKILL');
    await a.exited;
    expect(fs.readFileSync(lockFileOf(dataDir), 'utf8').trim()).toBe(String(a.proc.pid));
    const b = await startServe(dataDir);
    started.push(b);
    expect(fs.readFileSync(lockFileOf(dataDir), 'utf8').trim()).toBe(String(b.proc.pid));
    expect(await request(b, '/api/ping')).toMatchObject({ status: 200 });
  });

  it('in process: stores share the lock; a live foreign holder is refused, garbage is taken over', () => {
    const dataDir = path.join(tmp, 'd3');
    const s1 = new ProjectStore(dataDir);
    const s2 = new ProjectStore(dataDir); // same process (the app and its tests): shared
    s1.close();
    expect(fs.readFileSync(lockFileOf(dataDir), 'utf8').trim()).toBe(String(process.pid));
    s2.close();
    expect(fs.existsSync(lockFileOf(dataDir))).toBe(false);

    // a live process that is not us (our parent) holds it
    fs.writeFileSync(lockFileOf(dataDir), `${process.ppid}\n`);
    expect(() => new ProjectStore(dataDir)).toThrow(DataLockError);
    expect(() => new ProjectStore(dataDir)).toThrow(`(pid ${process.ppid})`);
    fs.writeFileSync(lockFileOf(dataDir), 'not a pid');
    const release = acquireDataLock(dataDir);
    expect(fs.readFileSync(lockFileOf(dataDir), 'utf8').trim()).toBe(String(process.pid));
    release();
    release(); // twice is harmless
    expect(fs.existsSync(lockFileOf(dataDir))).toBe(false);
  });
});
