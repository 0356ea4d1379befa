/**
 * Timeouts for the device tests that scale with the machine: on a loaded CI box (load 7–11 on
 * 2 cores) qemu boards answer several times slower, and a fixed 20 s wait then fails a test
 * whose subject is not speed. The factor is the run-queue length per core (the larger of the
 * 1- and 5-minute load averages), never below 1, or EQ_TEST_TIMEOUT_FACTOR when that is larger.
 * Checks of a timeout itself (the configured 1.5 s of an unreachable board) stay fixed; only
 * the slack allowed on top of them scales.
 */
import os from 'node:os';

export interface LoadSample {
  loadavg: number[];
  cores: number;
  envFactor?: string;
}

export function timeoutFactor(s: LoadSample = { loadavg: os.loadavg(), cores: os.availableParallelism(), envFactor: process.env.EQ_TEST_TIMEOUT_FACTOR }): number {
  const load = Math.max(s.loadavg[0] ?? 0, s.loadavg[1] ?? 0) / Math.max(1, s.cores);
  const env = Number(s.envFactor);
  return Math.max(1, load, Number.isFinite(env) && env > 0 ? env : 1);
}

/** `baseMs` (chosen for an idle machine, generously) times the current load factor. */
export function scaled(baseMs: number, s?: LoadSample): number {
  return Math.ceil(baseMs * timeoutFactor(s));
}
