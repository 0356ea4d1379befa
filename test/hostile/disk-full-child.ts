/**
 * Runs inside a private mount namespace where `dir` is a small tmpfs (see disk-full.test.ts):
 * fills the disk, then exports, calibrates, compiles (CLI) and writes the app's SQLite
 * database, and prints one JSON report of what each did and what was left on the disk.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppService } from '../../src-main/app/app-service.js';
import { createDispatcher } from '../../src-main/app/dispatch.js';

const [dir, root, model, data, scales] = process.argv.slice(2) as [string, string, string, string, string];
const filler = path.join(dir, 'filler');

function fill(): number {
  const fd = fs.openSync(filler, 'a');
  let n = 0;
  for (const chunk of [65536, 4096, 512, 1]) {
    const b = Buffer.alloc(chunk, 7);
    try {
      for (;;) n += fs.writeSync(fd, b);
    } catch {
      // ENOSPC: next, smaller chunks
    }
  }
  fs.closeSync(fd);
  return n;
}

function cli(args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'easyquant.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { code: r.status, stderr: r.stderr.trim() };
}

function digestDir(d: string): string {
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(d).sort()) h.update(f).update(fs.readFileSync(path.join(d, f)));
  return h.digest('hex');
}

/** Everything under `dir` except the filler (leftover temporary files show up here). */
function listing(): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f !== 'filler').sort();
}

const report: Record<string, unknown> = {};
// before the disk is full: a previous export and the app's database with one project and device
const old = path.join(dir, 'old-export');
const prev = cli(['export', '--model', model, '--scales', scales, '--format', 'scales,ncnn', '--out', old]);
if (prev.code !== 0) throw new Error(`setup export failed: ${prev.stderr}`);
const oldDigest = digestDir(old);
const dataRoot = path.join(dir, 'data');
let svc = new AppService({ dataRoot, mode: 'desktop' });
const project = await svc.createProject('kept', model);
svc.addDevice('board-0', { transport: 'serial', path: '/dev/null', baud: 115200 });

report.filled = fill();
report.exportNew = cli(['export', '--model', model, '--scales', scales, '--format', 'all', '--out', path.join(dir, 'new-export')]);
report.exportOver = cli(['export', '--model', model, '--scales', scales, '--format', 'all', '--out', old]);
report.oldUnchanged = digestDir(old) === oldDigest;
report.calibrate = cli(['calibrate', '--model', model, '--data', data, '--method', 'minmax', '--calib', '4', '--out', path.join(dir, 'run')]);
report.compile = cli(['compile', '--model', model, '--scales', scales, '--out', path.join(dir, 'model.eqm')]);

// the app's database: add boards until SQLite hits the full disk
const dispatch = createDispatcher(svc);
let added = 0;
let dbError: unknown = null;
for (let i = 1; i <= 500 && !dbError; i++) {
  const r = await dispatch('devices.add', { name: `board-${i}`, config: { transport: 'ssh', host: 'h'.repeat(200), port: 22, user: 'u', dir: `/d/${'x'.repeat(3000)}` } });
  if (r.ok) added++;
  else dbError = r.error;
}
report.dbAdded = added;
report.dbError = dbError;
report.listing = listing();
await svc.close().catch((e: Error) => (report.closeError = e.message));

fs.rmSync(filler);
svc = new AppService({ dataRoot, mode: 'desktop' });
report.integrity = svc.store.db.pragma('integrity_check', { simple: true });
report.devicesAfter = svc.listDevices().length;
report.projectKept = svc.listProjects().some((p) => p.id === project.id);
await svc.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
