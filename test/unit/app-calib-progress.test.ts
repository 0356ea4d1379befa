/**
 * The live per-layer rows of a calibration show the same quantity as the final table: a group's
 * objective before any search ("cos before") and after it. The search reports each phase with its
 * own "before"; the worker is faked and replays what eq-search sends.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import type { ProgressEvent } from '../../src-main/core/calib/progress.js';
import type { AppEvent, CalibSettingsForm } from '../../src-main/contract/app-types.js';

let send: (e: ProgressEvent) => void = () => {};
let finish: (groups: { name: string; cosBefore: number; cosAfter: number }[]) => void = () => {};
vi.mock('../../src-main/app/worker-pool.js', () => ({
  JobCancelledError: class extends Error {},
  startJob: (_job: unknown, onProgress: (e: ProgressEvent) => void) => {
    send = onProgress;
    const promise = new Promise((resolve) => {
      finish = (groups) => resolve({ groups, seconds: 1 });
    });
    return { promise, stop: () => {}, kill: async () => {} };
  },
}));

const { ProjectStore } = await import('../../src-main/store/project-store.js');
const { CalibrationRunner } = await import('../../src-main/app/calibration.js');
const { AppEvents } = await import('../../src-main/app/events.js');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-calib-progress-'));
const store = new ProjectStore(root);
afterAll(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

it('live rows keep the group objective before the search; the final table agrees', async () => {
  const events = new AppEvents();
  const seen: AppEvent[] = [];
  events.on((e) => seen.push(e));
  const runner = new CalibrationRunner(store, events, () => ({ model: '/m.onnx', data: '/d' }));
  const projectId = store.createProject('p').id;
  const settings: CalibSettingsForm = { method: 'eq', bits: 8, alpha: 0.5, beta: 2, steps: 10, rounds: 2, samplePositions: 8, percentile: 99.99, calibImages: 4, threads: 1 };
  const run = runner.start(projectId, settings);
  const ev = (phase: 'weights' | 'activations', cosBefore: number, cosAfter: number): ProgressEvent => ({
    stage: 'search',
    index: 1,
    total: 1,
    name: 'Conv_5+Conv_7',
    phase,
    cosBefore,
    cosAfter,
    elapsedMs: 10,
    etaMs: 10,
  });
  // two rounds, as decideEq reports them: each phase's "before" is the previous phase's "after"
  for (const e of [ev('weights', 0.9, 0.95), ev('activations', 0.95, 0.97), ev('weights', 0.97, 0.975), ev('activations', 0.975, 0.98)]) send(e);
  const live = seen.filter((e) => e.type === 'run.progress' && e.layer).map((e) => (e as Extract<AppEvent, { type: 'run.progress' }>).layer!);
  expect(live.map((l) => [l.cosBefore, l.cosAfter])).toEqual([
    [0.9, 0.95],
    [0.9, 0.97],
    [0.9, 0.975],
    [0.9, 0.98],
  ]);
  expect(store.getRun(run.id).layers).toEqual([{ idx: 0, name: 'Conv_5+Conv_7', cosBefore: 0.9, cosAfter: 0.98 }]);
  finish([{ name: 'Conv_5+Conv_7', cosBefore: 0.9, cosAfter: 0.98 }]);
  await runner.idle();
  expect(store.getRun(run.id).layers).toEqual([{ idx: 0, name: 'Conv_5+Conv_7', cosBefore: 0.9, cosAfter: 0.98 }]);
});
