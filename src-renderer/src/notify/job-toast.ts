/**
 * What a finished long job looks like to the user: an in-app toast always, a desktop
 * notification only when the window is hidden or unfocused (and the user allowed it).
 */
import type { AppEvent, JobKind } from '../../../src-main/contract/app-types';

export interface Toast {
  id: number;
  job: JobKind;
  kind: 'ok' | 'error' | 'info';
  title: string;
  body: string;
}

let seq = 0;

/** The toast of a `job.finished` event; null for any other event. */
export function toastOf(e: AppEvent): Toast | null {
  if (e.type !== 'job.finished') return null;
  return { id: ++seq, job: e.job, kind: e.status === 'done' ? 'ok' : e.status === 'cancelled' ? 'info' : 'error', title: e.title, body: e.summary };
}

/** Events that mean a long job has started: the moment to ask for notification permission (once). */
export function jobStarted(e: AppEvent): boolean {
  return e.type === 'run.progress' || e.type === 'eval.progress' || e.type === 'profile.progress' || e.type === 'demo.progress';
}

export type Permission = 'default' | 'granted' | 'denied' | 'unsupported';

/** A desktop notification only when the user cannot see the app, and only with permission. */
export function wantsDesktop(s: { hidden: boolean; focused: boolean; permission: Permission }): boolean {
  return s.permission === 'granted' && (s.hidden || !s.focused);
}

/** Ask only while undecided, and only once (the answer, or a dismissed prompt, is remembered). */
export function shouldAsk(permission: Permission, askedBefore: boolean): boolean {
  return permission === 'default' && !askedBefore;
}
