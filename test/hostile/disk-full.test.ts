/**
 * A full disk (ENOSPC) for real: a small tmpfs mounted in a private mount namespace
 * (`unshare --mount --map-root-user`, nothing on the host changes), filled up, then exports
 * (new and over an existing folder), a calibration run's artifacts, a compiled model and the
 * app's SQLite database are written to it (disk-full-child.ts). Each must fail with a clear
 * message and leave no half-written output, no temporary file, and a database that is intact.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeShared, MNIST_DIR, modelPath, PROJECT_ROOT } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-diskfull-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const canMount = spawnSync('unshare', ['--mount', '--map-root-user', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs ${JSON.stringify(tmp)}`]).status === 0;

type Cli = { code: number | null; stderr: string };
interface Report {
  filled: number;
  exportNew: Cli;
  exportOver: Cli;
  oldUnchanged: boolean;
  calibrate: Cli;
  compile: Cli;
  dbAdded: number;
  dbError: { code: string; message: string } | null;
  listing: string[];
  closeError?: string;
  integrity: string;
  devicesAfter: number;
  projectKept: boolean;
}

describeShared('a full disk', () => {
  it.skipIf(!canMount)('exports, run artifacts, compiled models and the database: a clear message, nothing half-written, nothing corrupted', () => {
    const scales = path.join(tmp, 'scales-src');
    const cal = runCli(['calibrate', '--model', modelPath('mnist'), '--data', MNIST_DIR, '--method', 'minmax', '--calib', '4', '--out', scales, '--quiet']);
    expect(cal.code, cal.stderr).toBe(0);
    const disk = path.join(tmp, 'disk');
    fs.mkdirSync(disk);
    const child = path.join(PROJECT_ROOT, 'test', 'hostile', 'disk-full-child.ts');
    const r = spawnSync(
      'unshare',
      [
        '--mount',
        '--map-root-user',
        'sh',
        '-c',
        'mount -t tmpfs -o size=4m tmpfs "$1" && shift && exec "$@"',
        'sh',
        disk,
        process.execPath,
        '--import',
        'tsx',
        child,
        disk,
        PROJECT_ROOT,
        modelPath('mnist'),
        MNIST_DIR,
        path.join(scales, 'scales.json'),
      ],
      { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 600_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout.trim().split('\n').pop()!) as Report;
    const full = (target: string) => new RegExp(`easyquant: error: no space left on device while writing ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: nothing was written`);
    console.log(
      `[hostile] disk full (${(rep.filled / 1024).toFixed(0)} KiB filler): export ${rep.exportNew.stderr} | calibrate ${rep.calibrate.stderr} | compile ${rep.compile.stderr} | ` +
        `SQLite after ${rep.dbAdded} rows: ${rep.dbError?.message}; integrity ${rep.integrity}`,
    );
    expect(rep.exportNew.code).toBe(1);
    expect(rep.exportNew.stderr).toMatch(full(path.join(disk, 'new-export')));
    expect(rep.exportOver.code).toBe(1);
    expect(rep.exportOver.stderr).toMatch(/nothing was written \(the existing old-export is unchanged\)/);
    expect(rep.oldUnchanged).toBe(true);
    expect(rep.calibrate.code).toBe(1);
    expect(rep.calibrate.stderr).toMatch(full(path.join(disk, 'run')));
    expect(rep.compile.code).toBe(1);
    expect(rep.compile.stderr).toMatch(full(path.join(disk, 'model.eqm')));
    // no half-written output and no temporary file left behind
    expect(rep.listing.filter((f) => /new-export|^run|model\.eqm|\.tmp-/.test(f))).toEqual([]);
    // SQLite: the statement that hit the full disk was rolled back; the database is intact
    expect(rep.dbError).toMatchObject({ code: 'user_error', message: expect.stringMatching(/^no space left on the disk of the data folder: devices\.add was not saved/) });
    expect(rep.integrity).toBe('ok');
    expect(rep.devicesAfter).toBe(rep.dbAdded + 1);
    expect(rep.projectKept).toBe(true);
  });
});
