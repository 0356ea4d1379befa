/**
 * The Calibrate page's settings reach the calibration worker unchanged (threads, bits,
 * strategy, …), for a new run and for a resumed one. The worker is faked: the test sees the
 * job request the runner hands to startJob.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, expect, it, vi } from 'vitest';
import type { JobRequest } from '../../src-main/app/jobs.js';

const jobs: JobRequest[] = [];
let finish: (err?: Error) => void = () => {};
vi.mock('../../src-main/app/worker-pool.js', () => ({
  JobCancelledError: class extends Error {},
  startJob: (job: JobRequest) => {
    jobs.push(job);
    const promise = new Promise((resolve, reject) => {
      finish = (err) => (err ? reject(err) : resolve({ groups: [], seconds: 1 }));
    });
    return { promise, stop: () => {}, kill: async () => {} };
  },
}));

const { ProjectStore } = await import('../../src-main/store/project-store.js');
const { CalibrationRunner } = await import('../../src-main/app/calibration.js');
const { AppEvents } = await import('../../src-main/app/events.js');
const { API_SCHEMAS } = await import('../../src-main/contract/app-schemas.js');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-calib-settings-'));
const store = new ProjectStore(root);
const runner = new CalibrationRunner(store, new AppEvents(), () => ({ model: '/m.onnx', data: '/d' }));
const projectId = store.createProject('p').id;

afterAll(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  jobs.length = 0;
});

// what the GUI sends: every field of the form, as the dispatcher parses it
const form = API_SCHEMAS['calib.start'].parse({
  projectId,
  settings: {
    method: 'eq',
    bits: 7,
    alpha: 0.4,
    beta: 2.5,
    steps: 33,
    rounds: 2,
    samplePositions: 16,
    percentile: 99.9,
    calibImages: 12,
    threads: 3,
    strategy: 'coarse-fine',
    biasCorrection: true,
  },
}).settings;

function sent(): { settings: Record<string, unknown>; calibImages: number } {
  expect(jobs).toHaveLength(1);
  const job = jobs[0]!;
  if (job.kind !== 'calibrate') throw new Error(`expected a calibrate job, got ${job.kind}`);
  return { settings: job.req.settings as Record<string, unknown>, calibImages: job.req.calibImages };
}

it('a new run gets every setting chosen in the form', async () => {
  const { calibImages, ...rest } = form;
  runner.start(projectId, form);
  const s = sent();
  // plus where the run checkpoints (beside its folder) and whether to go on from it
  expect(s.settings).toEqual({ ...rest, checkpoint: expect.stringMatching(/\.checkpoint\.json$/), resume: false });
  expect(s.settings).toMatchObject({ threads: 3, bits: 7, strategy: 'coarse-fine', biasCorrection: true });
  expect(s.calibImages).toBe(calibImages);
  finish();
  await runner.idle();
});

it('a resumed run gets the same settings again', async () => {
  const { calibImages, ...rest } = form;
  const run = runner.start(projectId, form);
  finish(new Error('worker crashed'));
  await runner.idle();
  expect(store.getRun(run.id).status).toBe('failed');
  jobs.length = 0;
  runner.resume(run.id);
  const s = sent();
  expect(s.settings).toEqual({ ...rest, checkpoint: expect.stringMatching(/\.checkpoint\.json$/), resume: true });
  expect(s.settings).toMatchObject({ threads: 3, bits: 7, strategy: 'coarse-fine', biasCorrection: true });
  expect(s.calibImages).toBe(calibImages);
  finish();
  await runner.idle();
});
