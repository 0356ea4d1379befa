/**
 * The native thread pool (native/src/common/thread_pool.cc, issue 15): the C++ tests in
 * native/tests/test_thread_pool.cc — every ParallelFor task exactly once with an exclusive
 * thread index, on 1–4 threads, many calls of varying sizes back to back, nested calls, the
 * work threshold, concurrent outside callers, exceptions — run twice: in the kernel-test binary
 * (optimised, as the runtime uses it) and alone under ThreadSanitizer (eq-pool-tsan), which
 * also reports any data race on a task's state after ParallelFor returned. A hang (a lost
 * wake-up, a task never run) fails through the run timeout.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS } from '../helpers/native.js';
import { ensureHostTool } from '../helpers/native-tools.js';

const RUN_TIMEOUT_MS = 5 * 60_000; // 2 shared cores under heavy load; a safety net, not a speed check

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: RUN_TIMEOUT_MS, env: { ...process.env, ...env } });
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  return { status: r.status, signal: r.signal, out, summary: /(\d+) passed, (\d+) failed/.exec(r.stdout ?? '') };
}

describe('native ThreadPool::ParallelFor', () => {
  it(
    'passes the thread-pool tests in the optimised kernel-test binary (default threshold and EQ_PARALLEL_MIN_WORK=0)',
    () => {
      const bin = ensureHostTool('host', 'eq-kernel-tests');
      for (const env of [{}, { EQ_PARALLEL_MIN_WORK: '0' }]) {
        const r = run(bin, ['thread_pool'], env);
        expect(r.signal, r.out).toBeNull();
        expect(r.status, r.out).toBe(0);
        expect(r.summary?.[2], r.out).toBe('0');
        expect(Number(r.summary?.[1]), r.out).toBe(9);
      }
    },
    BUILD_TIMEOUT_MS + 2 * RUN_TIMEOUT_MS,
  );

  it(
    'has no data race under ThreadSanitizer',
    () => {
      const bin = ensureHostTool('tsan', 'eq-pool-tsan', ['-DEQ_TSAN=ON']);
      const r = run(bin, [], { TSAN_OPTIONS: 'halt_on_error=1 second_deadlock_stack=1' });
      expect(r.out).not.toMatch(/ThreadSanitizer/);
      expect(r.signal, r.out).toBeNull();
      expect(r.status, r.out).toBe(0);
      expect(r.summary?.[2], r.out).toBe('0');
      expect(Number(r.summary?.[1]), r.out).toBe(9);
    },
    BUILD_TIMEOUT_MS + RUN_TIMEOUT_MS,
  );
});
