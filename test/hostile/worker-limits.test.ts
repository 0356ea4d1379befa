// Worker threads of the app (app/worker-pool.ts): a job over its heap limit (EQ_WORKER_MAX_MB)
// or its time limit (EQ_JOB_TIMEOUT_S) fails with a clear message, and the calling process
// (the server) lives on and runs the next job.
import { afterEach, describe, expect, it } from 'vitest';
import { JobLimitError, runningJobs, startJob, terminateAllJobs } from '../../src-main/app/worker-pool.js';

const saved = { mb: process.env['EQ_WORKER_MAX_MB'], t: process.env['EQ_JOB_TIMEOUT_S'] };
afterEach(() => {
  for (const [k, v] of [
    ['EQ_WORKER_MAX_MB', saved.mb],
    ['EQ_JOB_TIMEOUT_S', saved.t],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: Error }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: Error) => ({ ok: false as const, error }),
  );
}

describe('worker limits', () => {
  it('a job that outgrows EQ_WORKER_MAX_MB fails with an out-of-memory message; the next job runs', async () => {
    process.env['EQ_WORKER_MAX_MB'] = '64';
    const r = await settle(startJob<string>({ kind: 'selfTest', allocate: true }).promise);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(JobLimitError);
    expect(r.error.message).toBe('the selfTest job ran out of memory and was stopped (worker heap limit 64 MB; raise it with EQ_WORKER_MAX_MB)');
    expect(await startJob<string>({ kind: 'selfTest' }).promise).toBe('done');
    await expect.poll(() => runningJobs(), { timeout: 30_000 }).toBe(0);
  });

  it('a job over EQ_JOB_TIMEOUT_S is terminated and fails with the limit in the message', async () => {
    process.env['EQ_JOB_TIMEOUT_S'] = '1';
    const t0 = Date.now();
    // a synchronous loop: only terminating the thread ends it
    const r = await settle(startJob<string>({ kind: 'selfTest', busyMs: 120_000 }).promise);
    const ms = Date.now() - t0;
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(JobLimitError);
    expect(r.error.message).toBe('the selfTest job ran longer than 1 s and was stopped (time limit EQ_JOB_TIMEOUT_S=1)');
    expect(ms).toBeLessThan(60_000);
    await expect.poll(() => runningJobs(), { timeout: 30_000 }).toBe(0);
    // a job within the limit still finishes (the limit counts the worker's start-up too: keep it generous)
    process.env['EQ_JOB_TIMEOUT_S'] = '300';
    expect(await startJob<string>({ kind: 'selfTest', busyMs: 10 }).promise).toBe('done');
  });

  it('bad limit values are a clear error, not a crash', async () => {
    process.env['EQ_WORKER_MAX_MB'] = 'lots';
    await expect(startJob({ kind: 'selfTest' }).promise).rejects.toThrow("EQ_WORKER_MAX_MB must be an integer >= 16 (MB; got 'lots')");
    delete process.env['EQ_WORKER_MAX_MB'];
    process.env['EQ_JOB_TIMEOUT_S'] = '-3';
    await expect(startJob({ kind: 'selfTest' }).promise).rejects.toThrow("EQ_JOB_TIMEOUT_S must be a number of seconds >= 0 (0 = no limit; got '-3')");
  });

  it('terminateAllJobs ends running jobs (server shutdown)', async () => {
    const j = startJob<string>({ kind: 'selfTest', busyMs: 120_000 });
    await expect.poll(() => runningJobs()).toBe(1);
    const t0 = Date.now();
    await terminateAllJobs();
    expect(Date.now() - t0).toBeLessThan(30_000);
    await expect(j.promise).rejects.toThrow('cancelled');
    expect(runningJobs()).toBe(0);
  });
});
