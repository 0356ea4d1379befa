// `easyquant serve` on SIGTERM: terminates its workers, closes the store and exits within 2 s,
// idle or in the middle of a calibration. The time is measured from the signal to the child's
// exit event only (start-up and the job's set-up are not counted).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProjectDetail } from '../../src-main/app/app-service.js';
import type { RunInfo } from '../../src-main/contract/app-types.js';
import { cardPath, describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';
import { call, startServe, type Reply, type ServeChild } from './serve-child.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-hostile-sigterm-'));
const started: ServeChild[] = [];
afterAll(async () => {
  for (const s of started) await s.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const BOUND_MS = 2000;

/** Sends SIGTERM and resolves with the ms from the signal to the exit event, and the exit code. */
function sigterm(srv: ServeChild): Promise<{ ms: number; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    let t0 = 0;
    srv.proc.once('exit', (code, signal) => resolve({ ms: performance.now() - t0, code, signal }));
    t0 = performance.now();
    srv.proc.kill('SIGTERM');
  });
}

async function api<T>(srv: ServeChild, method: string, params: unknown): Promise<T> {
  const r = (await call(srv, method, params)) as Reply;
  const body = JSON.parse(r.body) as { result?: T; error?: { message: string } };
  if (r.status !== 200) throw new Error(`${method}: ${r.status} ${body.error?.message}`);
  return body.result as T;
}

describe('serve on SIGTERM', () => {
  it('idle: exits 0 within 2 s', async () => {
    const srv = await startServe(path.join(tmp, 'idle'));
    started.push(srv);
    const r = await sigterm(srv);
    console.log(`idle serve: SIGTERM → exit in ${r.ms.toFixed(0)} ms (code ${r.code}, signal ${r.signal}) ${srv.stderr()}`);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(BOUND_MS);
  });
});

describeShared('serve on SIGTERM during a calibration', () => {
  it('terminates the calibration worker, closes the store and exits within 2 s', async () => {
    const dataDir = path.join(tmp, 'busy');
    const srv = await startServe(dataDir);
    started.push(srv);
    const p = await api<{ id: string }>(srv, 'projects.create', { name: 'sq', model: modelPath('squeezenet1.1'), card: cardPath('squeezenet1.1') });
    await api(srv, 'data.set', { projectId: p.id, dataDir: IMAGENET_DIR });
    const settings = { method: 'eq', bits: 8, alpha: 0.5, beta: 2, steps: 100, rounds: 1, samplePositions: 64, percentile: 99.99, calibImages: 500, threads: 1 };
    const run = await api<RunInfo>(srv, 'calib.start', { projectId: p.id, settings });
    // wait until the worker is computing (loading images or searching scales), not just starting
    let progress: RunInfo['lastProgress'] = null;
    const until = Date.now() + 120_000;
    while (!progress && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      const d = await api<ProjectDetail>(srv, 'projects.get', { projectId: p.id });
      const r = d.runs.find((x) => x.id === run.id)!;
      expect(r.status).toBe('running');
      progress = r.lastProgress;
    }
    expect(progress).not.toBeNull();
    const r = await sigterm(srv);
    console.log(
      `busy serve (calibration at ${progress!.stage} ${progress!.index}/${progress!.total}): SIGTERM → exit in ${r.ms.toFixed(0)} ms (code ${r.code}, signal ${r.signal})`,
    );
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(r.code).toBe(0);
    // the store was closed and the data-folder lock released: a new server opens the same folder
    const again = await startServe(dataDir);
    started.push(again);
    const d = await api<ProjectDetail>(again, 'projects.get', { projectId: p.id });
    expect(d.runs.find((x) => x.id === run.id)!.status).not.toBe('done');
    await again.stop();
  });
});
