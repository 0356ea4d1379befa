/**
 * How stable the native runtime's autotune is: loads one EQM --loads times and counts, per
 * layer, the kernel and the thread choice (split over the pool, or the caller alone) each load
 * made. A choice that changes between loads of the same model on the same machine is decided
 * by timing noise, and the latency of the session moves with it.
 *
 *   node --import tsx scripts/autotune-choices.ts --eqm /tmp/eq-bench-runtime/squeezenet1.1-int7.eqm [--threads 2] [--loads 20]
 */
import { Runtime } from '../src-main/engines/native/native-runtime.js';
import { opt } from './bench-args.js';

const eqm = opt('eqm', '');
if (!eqm) throw new Error('autotune-choices: --eqm <file.eqm> is required');
const threads = Number(opt('threads', '2'));
const loads = Number(opt('loads', '20'));

const counts = new Map<string, Map<string, number>>();
for (let i = 0; i < loads; i++) {
  const session = Runtime.load(eqm, { threads });
  for (const o of session.profile().ops) {
    if (o.kind !== 'qlinear') continue;
    const c = counts.get(o.name) ?? new Map<string, number>();
    const key = `${o.kernel.split(':')[0]} ${o.threads}T`;
    c.set(key, (c.get(key) ?? 0) + 1);
    counts.set(o.name, c);
  }
}
let unstable = 0;
for (const [name, c] of counts) {
  if (c.size > 1) unstable++;
  const row = [...c].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`);
  console.log(`${name.padEnd(28)} ${row.join(', ')}`);
}
console.log(`${unstable} of ${counts.size} layers changed their choice between ${loads} loads (${threads} threads)`);
