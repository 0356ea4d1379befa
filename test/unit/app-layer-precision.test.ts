/**
 * The project's per-layer precision (precision.set / precision.get) is stored in SQLite
 * (layer_precision, migration 6) and travels with the next calibration request to the worker.
 * The worker is faked: the test sees the job request the runner hands to startJob.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import type { JobRequest } from '../../src-main/app/jobs.js';

const jobs: JobRequest[] = [];
vi.mock('../../src-main/app/worker-pool.js', () => ({
  JobCancelledError: class extends Error {},
  startJob: (job: JobRequest) => {
    jobs.push(job);
    return { promise: new Promise(() => {}), stop: () => {}, kill: async () => {} };
  },
}));

const { ProjectStore } = await import('../../src-main/store/project-store.js');
const { CalibrationRunner } = await import('../../src-main/app/calibration.js');
const { AppEvents } = await import('../../src-main/app/events.js');
const { API_SCHEMAS } = await import('../../src-main/contract/app-schemas.js');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-layer-precision-'));
const store = new ProjectStore(root);
afterAll(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

it('stores the map per project, replaces it as a whole, and survives a reopen', () => {
  const a = store.createProject('a').id;
  const b = store.createProject('b').id;
  expect(store.getLayerPrecision(a)).toEqual({});
  store.setLayerPrecision(a, { conv1: 'fp32', 'fire2/squeeze1x1': 'int7' });
  store.setLayerPrecision(b, { conv9: 'int8' });
  expect(store.setLayerPrecision(a, { conv1: 'fp32', conv2: 'int7' })).toEqual({ conv1: 'fp32', conv2: 'int7' });
  expect(store.getLayerPrecision(b)).toEqual({ conv9: 'int8' });
  expect(() => store.getLayerPrecision('nope')).toThrow(/nope/);
});

it('the API schema refuses an unknown precision', () => {
  const ok = API_SCHEMAS['precision.set'].safeParse({ projectId: 'p_1', layers: { conv1: 'int7' } });
  expect(ok.success).toBe(true);
  const bad = API_SCHEMAS['precision.set'].safeParse({ projectId: 'p_1', layers: { conv1: 'int6' } });
  expect(bad.success).toBe(false);
});

it('the next calibration request carries the project map', () => {
  const p = store.createProject('c').id;
  store.setLayerPrecision(p, { Conv_3: 'fp32', Conv_0: 'int7' });
  const runner = new CalibrationRunner(store, new AppEvents(), () => ({ model: '/m.onnx', data: '/d' }));
  runner.start(
    p,
    API_SCHEMAS['calib.start'].parse({
      projectId: p,
      settings: { method: 'minmax', bits: 8, alpha: 0.5, beta: 2, steps: 100, rounds: 1, samplePositions: 64, percentile: 99.99, calibImages: 2, threads: 1, strategy: 'grid' },
    }).settings,
  );
  expect(jobs).toHaveLength(1);
  const req = (jobs[0] as Extract<JobRequest, { kind: 'calibrate' }>).req;
  expect(req.layerPrecision).toEqual({ Conv_3: 'fp32', Conv_0: 'int7' });
});
