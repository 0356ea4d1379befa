/**
 * Per-op profile of one compiled model on the native runtime: where the time of a run goes
 * (each op's median over the runs), summed by op kind and for the slowest ops, with the kernel
 * chosen for each layer. Use it on the .eqm files `npm run bench` leaves in its --work directory.
 *
 *   node --import tsx scripts/profile-runtime.ts --eqm /tmp/eq-bench-runtime/squeezenet1.1-int7.eqm
 *        [--threads 1] [--runs 20] [--warmup 5] [--top 15] [--isa avx512vnni] [--thrash-mb 32]
 *
 * --thrash-mb N writes N MB before every run, so each run starts with the caches `npm run bench`
 * leaves it (there the other engines of a round run in between): weights come from L3 and a
 * worker thread starts asleep.
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
const thrash = new Float64Array((Number(opt('thrash-mb', '0')) * (1 << 20)) / 8);
const thrashCaches = (): void => {
  for (let i = 0; i < thrash.length; i += 8) thrash[i]! += 1; // one write per 64-byte line
};

const session = Runtime.load(eqm, { threads, ...(isa ? { isa } : {}) });
const dims = session.info.input.dims;
const x = new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => ((i * 7919) % 255) / 255);
for (let i = 0; i < warmup; i++) session.run(x, dims);
// one profile per run, then each op's median over the runs: on a loaded machine a preempted run
// adds tens of ms to whichever op it hit, and a sum over runs would charge that op with it
type Op = ReturnType<typeof session.profile>['ops'][number];
const perOp = new Map<string, { op: Op; ms: number[] }>();
let prof = session.profile();
for (let i = 0; i < runs; i++) {
  thrashCaches();
  session.resetProfile();
  session.run(x, dims);
  prof = session.profile();
  for (const o of prof.ops) {
    const e = perOp.get(o.name) ?? { op: o, ms: [] };
    e.ms.push(o.totalMs);
    perOp.set(o.name, e);
  }
}
const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const k = v.length >> 1;
  return v.length % 2 ? v[k]! : (v[k - 1]! + v[k]!) / 2;
};
const ops = [...perOp.values()].map((e) => ({ ...e.op, ms: median(e.ms) }));
const byKind = new Map<string, number>();
let total = 0;
for (const o of ops) {
  byKind.set(o.kind, (byKind.get(o.kind) ?? 0) + o.ms);
  total += o.ms;
}
const cold = thrash.length ? `, ${(thrash.length * 8) >> 20} MB written before each run` : '';
console.log(`${eqm}: isa ${prof.isa}, ${prof.threads} thread(s), ${runs} runs${cold}; sum of the ops' median times ${total.toFixed(3)} ms/run`);
for (const [kind, ms] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(`  ${kind.padEnd(12)} ${ms.toFixed(3)} ms  ${((100 * ms) / total).toFixed(1)}%`);
console.log(`slowest ${top} ops (median ms/run, work = MACs or elements, GOP/s):`);
for (const o of ops.sort((a, b) => b.ms - a.ms).slice(0, top)) {
  console.log(`  ${o.name.padEnd(30)} ${o.kind.padEnd(10)} ${o.kernel.padEnd(30)} ${o.threads}T ${o.ms.toFixed(3)}  work ${o.work}  ${(o.work / o.ms / 1e6).toFixed(2)}`);
}
