/** Job-finished notifications: the toast of an event, when to ask for permission, when to notify the desktop. */
import { expect, it } from 'vitest';
import { jobStarted, shouldAsk, toastOf, wantsDesktop } from '../../src-renderer/src/notify/job-toast.js';

it('a job.finished event becomes a toast; other events do not', () => {
  const t = toastOf({ type: 'job.finished', job: 'calibration', projectId: 'p', status: 'done', title: 'MinMax INT8 calibrated', summary: '8 images in 1.2 s' });
  expect(t).toMatchObject({ job: 'calibration', kind: 'ok', title: 'MinMax INT8 calibrated', body: '8 images in 1.2 s' });
  expect(toastOf({ type: 'job.finished', job: 'export', status: 'failed', title: 'x', summary: 'disk full' })!.kind).toBe('error');
  expect(toastOf({ type: 'job.finished', job: 'calibration', status: 'cancelled', title: 'x', summary: 'cancelled by the user' })!.kind).toBe('info');
  expect(toastOf({ type: 'run.finished', runId: 'r', projectId: 'p', status: 'done' })).toBeNull();
});

it('desktop notifications only when the window is hidden or unfocused, and allowed', () => {
  expect(wantsDesktop({ hidden: false, focused: true, permission: 'granted' })).toBe(false);
  expect(wantsDesktop({ hidden: true, focused: false, permission: 'granted' })).toBe(true);
  expect(wantsDesktop({ hidden: false, focused: false, permission: 'granted' })).toBe(true);
  expect(wantsDesktop({ hidden: true, focused: false, permission: 'denied' })).toBe(false);
  expect(wantsDesktop({ hidden: true, focused: false, permission: 'default' })).toBe(false);
});

it('permission is asked once, when a long job starts', () => {
  expect(shouldAsk('default', false)).toBe(true);
  expect(shouldAsk('default', true)).toBe(false);
  expect(shouldAsk('granted', false)).toBe(false);
  expect(shouldAsk('unsupported', false)).toBe(false);
  expect(jobStarted({ type: 'eval.progress', projectId: 'p', label: 'FP32', index: 1, total: 2 })).toBe(true);
  expect(jobStarted({ type: 'engine.build', build: { state: 'idle', message: null, log: '', startedAt: null, finishedAt: null } })).toBe(false);
});
