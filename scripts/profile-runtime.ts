/**
 * Per-op profile of one compiled model on the native runtime: where the time of a run goes,
 * summed by op kind and for the slowest ops, with the kernel chosen for each layer. Use it on
 * the .eqm files `npm run bench` leaves in its --work directory.
 *
 *   node --import tsx scripts/profile-runtime.ts --eqm /tmp/eq-bench-runtime/squeezenet1.1-int7.eqm
 *        [--threads 1] [--runs 20] [--warmup 5] [--top 15] [--isa avx512vnni]
 */
import { Runtime } from '../src-main/engines/native/native-runtime.js';
import { opt } from './bench-args.js';

const eqm = opt('eqm', '');
if (!eqm) throw new Error('profile-runtime: --eqm <file.eqm> is required');
const threads = Number(opt('threads', '1'));
const runs = Number(opt('runs', '20'));
const warmup = Number(opt('warmup', '5'));
const top = Number(opt('top', '15'));
const isa = opt('isa', '');

const session = Runtime.load(eqm, { threads, ...(isa ? { isa } : {}) });
const dims = session.info.input.dims;
const x = new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => ((i * 7919) % 255) / 255);
for (let i = 0; i < warmup; i++) session.run(x, dims);
session.resetProfile();
for (let i = 0; i < runs; i++) session.run(x, dims);
const prof = session.profile();

const perRun = (ms: number) => ms / runs;
const byKind = new Map<string, number>();
let total = 0;
for (const o of prof.ops) {
  byKind.set(o.kind, (byKind.get(o.kind) ?? 0) + perRun(o.totalMs));
  total += perRun(o.totalMs);
}
console.log(`${eqm}: isa ${prof.isa}, ${prof.threads} thread(s), ${runs} runs; sum of op times ${total.toFixed(3)} ms/run`);
for (const [kind, ms] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(`  ${kind.padEnd(12)} ${ms.toFixed(3)} ms  ${((100 * ms) / total).toFixed(1)}%`);
console.log(`slowest ${top} ops (ms/run, work = MACs or elements, GOP/s):`);
for (const o of [...prof.ops].sort((a, b) => b.totalMs - a.totalMs).slice(0, top)) {
  const ms = perRun(o.totalMs);
  console.log(`  ${o.name.padEnd(30)} ${o.kind.padEnd(10)} ${o.kernel.padEnd(30)} ${ms.toFixed(3)}  work ${o.work}  ${(o.work / ms / 1e6).toFixed(2)}`);
}
