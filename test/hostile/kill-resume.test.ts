// kill -9 of `easyquant serve` in the middle of an EQ calibration, then a new server on the same
// data folder: the run shows as interrupted, resume goes on from the last finished layer group
// (the checkpoint beside the run folder; the groups before it are not searched again) and the
// scales are bitwise those of an uninterrupted run. Runs lost: 0.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ProjectDetail } from '../../src-main/app/app-service.js';
import type { AppEvent, RunInfo } from '../../src-main/contract/app-types.js';
import { cardPath, describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';
import { call, startServe, type Reply, type ServeChild } from './serve-child.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-hostile-kill-'));
const started: ServeChild[] = [];
afterAll(async () => {
  for (const s of started) if (s.exitCode() === null) s.proc.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function api<T>(srv: ServeChild, method: string, params: unknown): Promise<T> {
  const r = (await call(srv, method, params)) as Reply;
  const body = JSON.parse(r.body) as { result?: T; error?: { message: string } };
  if (r.status !== 200) throw new Error(`${method}: ${r.status} ${body.error?.message}`);
  return body.result as T;
}

const runOf = async (srv: ServeChild, projectId: string, runId: string) => (await api<ProjectDetail>(srv, 'projects.get', { projectId })).runs.find((r) => r.id === runId)!;

async function waitFor(srv: ServeChild, projectId: string, runId: string, done: (r: RunInfo) => boolean): Promise<RunInfo> {
  for (;;) {
    const r = await runOf(srv, projectId, runId);
    if (done(r)) return r;
    if (r.status === 'failed') throw new Error(`run failed: ${r.error}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** scales.json without the fields that name the run rather than its result */
function scalesOf(run: RunInfo): unknown {
  const s = JSON.parse(fs.readFileSync(path.join(run.artifactDir, 'scales.json'), 'utf8')) as Record<string, unknown>;
  delete s.created_at;
  return s;
}

const SETTINGS = { method: 'eq', bits: 8, alpha: 0.5, beta: 2, steps: 100, rounds: 1, samplePositions: 64, percentile: 99.99, calibImages: 20, threads: 1 };

async function project(srv: ServeChild): Promise<string> {
  const p = await api<{ id: string }>(srv, 'projects.create', { name: 'sq', model: modelPath('squeezenet1.1'), card: cardPath('squeezenet1.1') });
  await api(srv, 'data.set', { projectId: p.id, dataDir: IMAGENET_DIR });
  return p.id;
}

describeShared('kill -9 during an EQ calibration, then resume', () => {
  it('goes on from the last finished layer group with bitwise the scales of an uninterrupted run', async () => {
    // reference: the same run, uninterrupted
    const ref = await startServe(path.join(tmp, 'ref'));
    started.push(ref);
    const refProject = await project(ref);
    const refRun = await api<RunInfo>(ref, 'calib.start', { projectId: refProject, settings: SETTINGS });
    const refDone = await waitFor(ref, refProject, refRun.id, (r) => r.status === 'done');
    await ref.stop();

    const dataDir = path.join(tmp, 'killed');
    const srv = await startServe(dataDir);
    started.push(srv);
    const projectId = await project(srv);
    const run = await api<RunInfo>(srv, 'calib.start', { projectId, settings: SETTINGS });
    const mid = await waitFor(srv, projectId, run.id, (r) => r.layers.length >= 3 || r.status === 'done');
    expect(mid.status, 'the run ended before it could be killed').toBe('running');
    srv.proc.kill('SIGKILL');
    await srv.exited;

    const ckpt = `${run.artifactDir}.checkpoint.json`;
    expect(fs.existsSync(ckpt)).toBe(true);
    const saved = (JSON.parse(fs.readFileSync(ckpt, 'utf8')) as { groups: unknown[] }).groups.length;
    expect(saved).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(path.join(run.artifactDir, 'scales.json'))).toBe(false);

    const again = await startServe(dataDir);
    started.push(again);
    expect((await runOf(again, projectId, run.id)).status).toBe('interrupted');
    // watch the resumed run's progress: the saved groups come from the checkpoint, not a new search
    const ws = new WebSocket(`ws://127.0.0.1:${again.port}/api/ws?token=${again.token}`);
    await new Promise((res, rej) => ws.once('open', res).once('error', rej));
    const fromCheckpoint = new Set<string>();
    ws.on('message', (d) => {
      const e = (JSON.parse(d.toString()) as { event?: AppEvent }).event;
      if (e?.type === 'run.progress' && e.runId === run.id && e.progress.name.endsWith('(from checkpoint)')) fromCheckpoint.add(e.progress.name);
    });
    await api<RunInfo>(again, 'calib.resume', { runId: run.id });
    const done = await waitFor(again, projectId, run.id, (r) => r.status === 'done');
    ws.close();
    console.log(`kill -9 after ${mid.layers.length} layer rows (${saved} groups checkpointed); resume took ${fromCheckpoint.size} groups from the checkpoint; runs lost: 0`);
    expect(fromCheckpoint.size).toBeGreaterThanOrEqual(saved);
    expect(done.layers.length).toBe(refDone.layers.length);
    expect(scalesOf(done)).toEqual(scalesOf(refDone));
    expect(fs.existsSync(ckpt)).toBe(false);
    await again.stop();
  });
});
