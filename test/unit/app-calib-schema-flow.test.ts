/**
 * The Calibrate page's form goes through one schema on its way to the worker: the page's
 * defaults are the schema's, the job request carries the parsed settings unchanged (the
 * pipeline's own parse is the identity on them), for new runs and for resumed ones, also for
 * runs stored before the schema (missing fields get the schema's defaults). The worker is faked.
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
const { DEFAULT_RUN_SETTINGS, DEFAULT_SETTINGS, parseCalibSettings } = await import('../../src-main/contract/calib-settings.js');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-calib-flow-'));
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

function sentSettings(): Record<string, unknown> {
  expect(jobs).toHaveLength(1);
  const job = jobs[0]!;
  if (job.kind !== 'calibrate') throw new Error(`expected a calibrate job, got ${job.kind}`);
  // the app adds where the run checkpoints and whether to go on from there; the rest is the form
  const { checkpoint, resume, ...form } = job.req.settings as Record<string, unknown>;
  expect(checkpoint).toMatch(/\.checkpoint\.json$/);
  expect(typeof resume).toBe('boolean');
  return form;
}

it("the page's untouched form reaches the worker as the schema's defaults", async () => {
  // CalibratePage.vue starts from { ...DEFAULT_RUN_SETTINGS } and sends it as it is
  const form = API_SCHEMAS['calib.start'].parse({ projectId, settings: { ...DEFAULT_RUN_SETTINGS } }).settings;
  const run = runner.start(projectId, form);
  const s = sentSettings();
  expect(s).toEqual(DEFAULT_SETTINGS);
  expect(parseCalibSettings(s)).toEqual(s);
  expect(store.getRun(run.id).settings).toEqual(DEFAULT_RUN_SETTINGS);
  finish();
  await runner.idle();
});

it('a resumed run stored before the schema (no strategy, no EQ extras) gets the defaults for the missing fields', async () => {
  const run = runner.start(projectId, { threads: 2, bits: 7 });
  finish(new Error('worker crashed'));
  await runner.idle();
  // the row as older versions wrote it: the form's fields only
  const old = { method: 'eq', bits: 7, alpha: 0.5, beta: 2, steps: 100, rounds: 1, samplePositions: 64, percentile: 99.99, calibImages: 20, threads: 2 };
  store.db.prepare(`UPDATE runs SET settings_json = ? WHERE id = ?`).run(JSON.stringify(old), run.id);
  jobs.length = 0;
  runner.resume(run.id);
  const s = sentSettings();
  const { calibImages: _, ...rest } = old;
  expect(s).toEqual({ ...DEFAULT_SETTINGS, ...rest });
  expect(s).toMatchObject({ threads: 2, bits: 7, strategy: 'grid' });
  expect(parseCalibSettings(s)).toEqual(s);
  finish();
  await runner.idle();
});

it('a form out of range is refused before any job starts, naming the setting', () => {
  expect(() => runner.start(projectId, { bits: 3 })).toThrow(/invalid calibration setting: --bits must be an integer from 4 to 8 \(got 3\)/);
  const bad = API_SCHEMAS['calib.start'].safeParse({ projectId, settings: { threads: -1 } });
  expect(bad.success).toBe(false);
  expect(jobs).toHaveLength(0);
});

it('a stored run whose settings no longer parse is named, not cast', () => {
  const run = runner.start(projectId, {});
  jobs.length = 0;
  store.db.prepare(`UPDATE runs SET settings_json = ? WHERE id = ?`).run(JSON.stringify({ bits: 'eight' }), run.id);
  expect(() => store.getRun(run.id)).toThrow(new RegExp(`run ${run.id} settings_json: stored value does not match its schema: bits`));
  store.db.prepare(`UPDATE runs SET settings_json = ? WHERE id = ?`).run(JSON.stringify(DEFAULT_RUN_SETTINGS), run.id);
  finish();
  return runner.idle();
});

it("a stored progress snapshot is read through its schema (JSON's null ETA is no ETA; a broken one is none)", () => {
  const run = store.createRun(projectId, {});
  store.recordProgress(run.id, { stage: 'search', index: 1, total: 4, name: 'conv1', elapsedMs: 10, etaMs: Infinity });
  const p = store.getRun(run.id).lastProgress!;
  expect(p).toMatchObject({ stage: 'search', index: 1, total: 4, name: 'conv1', elapsedMs: 10 });
  expect(p.etaMs).toBeUndefined();
  store.db.prepare(`UPDATE runs SET last_progress_json = ? WHERE id = ?`).run('{"stage":1}', run.id);
  expect(store.getRun(run.id).lastProgress).toBeNull();
  store.endRun(run.id, 'failed', 'test');
});
