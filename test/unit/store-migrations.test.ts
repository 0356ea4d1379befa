import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src-main/store/db.js';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from '../../src-main/store/migrations.js';
import { ProjectStore } from '../../src-main/store/project-store.js';

const tmpDirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-store-'));
  tmpDirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const tables = (db: Database.Database) => (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);

describe('store migrations', () => {
  it('a fresh database reaches the latest schema version with every table', () => {
    const db = openDatabase(path.join(tmp(), 'a.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(tables(db)).toEqual(
      expect.arrayContaining(['projects', 'datasets', 'runs', 'run_layers', 'results', 'exports', 'devices', 'profiles', 'device_results', 'legacy_imports']),
    );
    const runCols = (db.prepare(`PRAGMA table_info(runs)`).all() as { name: string }[]).map((c) => c.name);
    expect(runCols).toContain('last_progress_json');
    db.close();
  });

  it('upgrades a version-1 database in place and keeps its rows', () => {
    const file = path.join(tmp(), 'old.db');
    const v1 = openDatabase(file, MIGRATIONS.slice(0, 1));
    expect(v1.pragma('user_version', { simple: true })).toBe(1);
    v1.prepare(`INSERT INTO projects (id, name, folder, created_at, updated_at) VALUES ('p1', 'old project', '/x', 't', 't')`).run();
    v1.prepare(
      `INSERT INTO runs (id, project_id, method, bits, settings_json, calib_images, status, artifact_dir, started_at) VALUES ('r1', 'p1', 'eq', 8, '{}', 5, 'done', '/x/r1', 't')`,
    ).run();
    v1.close();
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare(`SELECT name FROM projects`).get()).toEqual({ name: 'old project' });
    expect(db.prepare(`SELECT id, last_progress_json FROM runs`).get()).toEqual({ id: 'r1', last_progress_json: null });
    db.close();
  });

  it('upgrades a version-2 database (app profiles, no device_results) and keeps its profiles', () => {
    const file = path.join(tmp(), 'v2.db');
    const v2 = openDatabase(file, MIGRATIONS.slice(0, 2));
    expect(v2.pragma('user_version', { simple: true })).toBe(2);
    expect(tables(v2)).not.toContain('device_results');
    v2.prepare(`INSERT INTO projects (id, name, folder, created_at, updated_at) VALUES ('p1', 'old', '/x', 't', 't')`).run();
    v2.prepare(`INSERT INTO devices (id, name, transport, config_json, created_at) VALUES ('d1', 'rpi', 'ssh', '{"transport":"ssh"}', 't')`).run();
    v2.prepare(`INSERT INTO profiles (id, project_id, device_id, status, result_json, created_at) VALUES ('pr1', 'p1', 'd1', 'done', '{"machine":"aarch64"}', 't')`).run();
    v2.close();
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(3);
    expect(db.prepare(`SELECT id, project_id, device_id, status, result_json FROM profiles`).all()).toEqual([
      { id: 'pr1', project_id: 'p1', device_id: 'd1', status: 'done', result_json: '{"machine":"aarch64"}' },
    ]);
    const cols = (db.prepare(`PRAGMA table_info(device_results)`).all() as { name: string; notnull: number }[]).map((c) => `${c.name}${c.notnull ? '!' : ''}`);
    expect(cols).toEqual(['id', 'device_name!', 'model_sha256!', 'bits', 'method', 'machine', 'isa', 'result_json', 'error', 'source!', 'profile_id', 'created_at!']);
    expect(db.prepare(`SELECT count(*) AS n FROM device_results`).get()).toEqual({ n: 0 });
    db.close();
  });

  it('device results of the app belong to its profile (gone with the project); CLI rows have none and stay', () => {
    const s = new ProjectStore(tmp());
    const p = s.createProject('digits');
    const d = s.addDevice('rpi', { transport: 'ssh', host: 'h', port: 22, user: 'u', keyPath: '/k' }, null);
    const prof = s.createProfile(p.id, d.id, null);
    const rec = { device: 'rpi', modelSha256: 'abc', bits: 8, method: 'eq', at: '2026-12-01T00:00:00.000Z', machine: 'aarch64', isa: 'neon', bench: { latencyMs: { median: 3 } } };
    s.addDeviceResults([rec], prof.id);
    s.addDeviceResults([{ ...rec, bits: 32, method: 'fp32', at: '2026-12-02T00:00:00.000Z', error: 'no SSH connection' }], null);
    expect(s.listDeviceResults('rpi').map((r) => [r.bits, r.source, r.profileId, r.error])).toEqual([
      [32, 'cli', null, 'no SSH connection'],
      [8, 'app', prof.id, null],
    ]);
    expect(s.listDeviceResults('rpi')[1]).toMatchObject({ machine: 'aarch64', isa: 'neon', bench: { latencyMs: { median: 3 } }, accuracy: null, at: rec.at });
    s.deleteProject(p.id);
    expect(s.listDeviceResults('rpi').map((r) => r.source)).toEqual(['cli']);
    s.close();
  });

  it('a failing migration rolls back completely and names itself', () => {
    const file = path.join(tmp(), 'b.db');
    openDatabase(file, MIGRATIONS.slice(0, 1)).close();
    const broken: Migration[] = [...MIGRATIONS.slice(0, 1), { version: 2, name: 'broken', sql: `CREATE TABLE half (x INTEGER); SELECT * FROM no_such_table;` }];
    expect(() => openDatabase(file, broken)).toThrow(/migration 2 \(broken\) failed: no such table: no_such_table/);
    const db = new Database(file);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(db)).not.toContain('half');
    db.close();
  });

  it('refuses a database written by a newer app', () => {
    const file = path.join(tmp(), 'c.db');
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    expect(() => migrate(db)).toThrow(/newer than this app understands/);
    db.close();
  });

  it('project rows reference a per-project artifact folder and cascade on delete', () => {
    const root = tmp();
    const s = new ProjectStore(root);
    const p = s.createProject('  digits ');
    expect(p.name).toBe('digits');
    expect(fs.existsSync(path.join(p.folder, 'runs'))).toBe(true);
    const run = s.createRun(p.id, { method: 'eq', bits: 7, alpha: 0.5, beta: 2, steps: 100, rounds: 1, samplePositions: 64, percentile: 99.99, calibImages: 10, threads: 1 });
    expect(run.artifactDir.startsWith(p.folder)).toBe(true);
    expect(run.label).toBe('EQ INT7');
    s.finishRun(run.id, 1.5, [{ idx: 0, name: 'conv1', cosBefore: 0.99, cosAfter: 0.995 }]);
    s.saveResult(p.id, run.id, { engine: 'int-ref', images: 10, top1: 0.9, top5: 1, agreement: 1, meanCosine: 0.99, layerCosine: { conv1: 0.99 } });
    expect(s.listResults(p.id)).toHaveLength(1);
    s.deleteProject(p.id);
    expect(s.db.prepare(`SELECT count(*) AS n FROM run_layers`).get()).toEqual({ n: 0 });
    expect(s.db.prepare(`SELECT count(*) AS n FROM results`).get()).toEqual({ n: 0 });
    expect(fs.existsSync(p.folder)).toBe(false);
    s.close();
  });

  it('rejects a duplicate device name and never stores a plaintext secret column', () => {
    const s = new ProjectStore(tmp());
    s.addDevice('board', { transport: 'ssh', host: '127.0.0.1', port: 22, user: 'u', keyPath: '/k' }, null);
    expect(() => s.addDevice('board', { transport: 'serial', path: '/dev/ttyUSB0', baud: 115200 }, null)).toThrow(/already exists/);
    const cols = (s.db.prepare(`PRAGMA table_info(devices)`).all() as { name: string }[]).map((c) => c.name);
    expect(cols.filter((c) => /secret|password|passphrase/.test(c))).toEqual(['secret_enc']);
    s.close();
  });
});

describe('evaluation results: held-out start (migration 4)', () => {
  it('stores where a held-out evaluation starts in its own column; old rows read as null', () => {
    const root = tmp();
    const file = path.join(root, 'easyquant.db');
    // a version-3 database with a result saved before the column existed
    const v3 = new Database(file);
    migrate(
      v3,
      MIGRATIONS.filter((m) => m.version <= 3),
    );
    v3.prepare(`INSERT INTO projects (id, name, folder, created_at, updated_at) VALUES ('p1', 'old', ?, 'x', 'x')`).run(path.join(root, 'p1'));
    v3.prepare(`INSERT INTO results (id, project_id, run_id, engine, images, layer_cosine_json, created_at) VALUES ('e1', 'p1', NULL, 'int-ref', 10, '{}', 'x')`).run();
    v3.close();
    const s = new ProjectStore(root);
    expect(s.listResults('p1').map((r) => [r.engine, r.heldOutFrom])).toEqual([['int-ref', null]]);
    const p = s.createProject('digits');
    const saved = s.saveResult(p.id, null, { engine: 'native', images: 950, top1: 0.5, top5: 0.8, agreement: null, meanCosine: null, layerCosine: {}, heldOutFrom: 50 });
    expect(saved.engine).toBe('native');
    expect(saved.heldOutFrom).toBe(50);
    expect(s.listResults(p.id)[0]!.heldOutFrom).toBe(50);
    s.close();
  });
});
