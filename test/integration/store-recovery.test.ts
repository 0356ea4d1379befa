/**
 * Crash mid-run: a child process opens the store, starts a calibration run, records progress
 * for two layers, starts writing the run's artifact folder (a `.tmp-` sibling, as
 * writeDirAtomically does) and is killed with SIGKILL. Reopening the store must show the run
 * as interrupted with its progress kept, the half-written folder gone, and the run resumable.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ProjectStore } from '../../src-main/store/project-store.js';
import { PROJECT_ROOT } from '../helpers/shared.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-recover-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const storeUrl = pathToFileURL(path.join(PROJECT_ROOT, 'src-main/store/project-store.ts')).href;
const CHILD = `
import fs from 'node:fs';
import path from 'node:path';
const { ProjectStore } = await import(${JSON.stringify(storeUrl)});
const s = new ProjectStore(process.argv[2]);
const p = s.createProject('crashy');
const run = s.createRun(p.id, { method: 'eq', bits: 8, alpha: 0.5, beta: 2, steps: 100, rounds: 1, samplePositions: 64, percentile: 99.99, calibImages: 20, threads: 1 });
s.recordProgress(run.id, { stage: 'search', index: 1, total: 3, name: 'conv1', elapsedMs: 10 }, { idx: 0, name: 'conv1', cosBefore: 0.98, cosAfter: 0.99 });
s.recordProgress(run.id, { stage: 'search', index: 2, total: 3, name: 'conv2', elapsedMs: 20 }, { idx: 1, name: 'conv2', cosBefore: 0.97, cosAfter: 0.985 });
const tmp = path.join(path.dirname(run.artifactDir), '.' + path.basename(run.artifactDir) + '.tmp-abc');
fs.mkdirSync(tmp, { recursive: true });
fs.writeFileSync(path.join(tmp, 'scales.json'), '{"half": ');
process.stdout.write(JSON.stringify({ projectId: p.id, runId: run.id, tmp }) + '\\n');
setInterval(() => {}, 1000); // stay alive until killed
`;

describe('store crash recovery', () => {
  it('a run killed mid-way shows as interrupted, keeps its progress and can be resumed', async () => {
    const script = path.join(root, 'child.mts');
    fs.writeFileSync(script, CHILD);
    const child = spawn(process.execPath, ['--import', 'tsx', script, path.join(root, 'store')], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const info = await new Promise<{ projectId: string; runId: string; tmp: string }>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const nl = buf.indexOf('\n');
        if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)));
      });
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(fs.existsSync(info.tmp)).toBe(true);

    const s = new ProjectStore(path.join(root, 'store'));
    expect(s.recovery.interruptedRuns).toEqual([info.runId]);
    expect(s.recovery.removedTempDirs).toEqual([info.tmp]);
    expect(fs.existsSync(info.tmp)).toBe(false);
    const run = s.getRun(info.runId);
    expect(run.status).toBe('interrupted');
    expect(run.error).toMatch(/stopped while this run was in progress/);
    expect(run.lastProgress).toMatchObject({ index: 2, total: 3, name: 'conv2' });
    expect(run.layers.map((l) => [l.name, l.cosAfter])).toEqual([
      ['conv1', 0.99],
      ['conv2', 0.985],
    ]);
    // the project stays usable: list it, resume the run, finish it
    expect(s.listProjects().map((p) => p.name)).toEqual(['crashy']);
    const resumed = s.restartRun(info.runId);
    expect(resumed.status).toBe('running');
    expect(resumed.attempts).toBe(2);
    expect(resumed.layers).toEqual([]);
    const done = s.finishRun(info.runId, 2.5, [{ idx: 0, name: 'conv1', cosBefore: 0.98, cosAfter: 0.991 }]);
    expect(done.status).toBe('done');
    expect(() => s.restartRun(info.runId)).toThrow(/already finished/);
    s.close();
    // reopening again finds nothing to recover
    const s2 = new ProjectStore(path.join(root, 'store'));
    expect(s2.recovery.interruptedRuns).toEqual([]);
    s2.close();
  });

  it('a failed transaction leaves no partial run layers', () => {
    const s = new ProjectStore(path.join(root, 'store2'));
    const p = s.createProject('atomic');
    const run = s.createRun(p.id, { method: 'kl', bits: 8, alpha: 0.5, beta: 2, steps: 100, rounds: 1, samplePositions: 64, percentile: 99.99, calibImages: 5, threads: 1 });
    s.recordProgress(run.id, { stage: 'search', index: 1, total: 2, name: 'a', elapsedMs: 1 }, { idx: 0, name: 'a', cosBefore: 0.5, cosAfter: 0.6 });
    // the second layer row violates NOT NULL (name) → the whole finishRun is rolled back
    expect(() =>
      s.finishRun(run.id, 1, [
        { idx: 0, name: 'a', cosBefore: 0.9, cosAfter: 0.95 },
        { idx: 1, name: null as unknown as string, cosBefore: 0, cosAfter: 0 },
      ]),
    ).toThrow();
    const after = s.getRun(run.id);
    expect(after.status).toBe('running');
    expect(after.layers).toEqual([{ idx: 0, name: 'a', cosBefore: 0.5, cosAfter: 0.6 }]);
    s.close();
  });
});
