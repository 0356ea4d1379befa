/**
 * Interleaved timing of several engines in this process: `rounds` rounds, each running every
 * engine once in a rotating order (core/bench/interleaved-stats.ts), so a burst of load on a
 * shared machine hits all engines of a round alike. Used by `npm run bench`.
 */
import { roundOrder, type EngineRounds } from '../core/bench/interleaved-stats.js';

export interface Runnable {
  run(): unknown;
}

/** Wall-clock and process CPU ms of one run (awaits async runs). */
async function timeOnce(s: Runnable): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await s.run();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e3 };
}

export async function interleavedRounds(sessions: readonly Runnable[], rounds: number, warmup: number): Promise<EngineRounds[]> {
  for (let i = 0; i < warmup; i++) for (const k of roundOrder(i, sessions.length)) await sessions[k]!.run();
  const out = sessions.map((): EngineRounds => ({ wall: [], cpu: [] }));
  for (let r = 0; r < rounds; r++) {
    for (const k of roundOrder(r, sessions.length)) {
      const t = await timeOnce(sessions[k]!);
      out[k]!.wall.push(t.wall);
      out[k]!.cpu.push(t.cpu);
    }
  }
  return out;
}
