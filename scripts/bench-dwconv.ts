/**
 * Depthwise kernels A/B in one process: every .eqm is loaded twice at the best ISA level, once
 * with the depthwise layers capped at AVX2 (EQ_DW_ISA=avx2, the `dw-avx2-maddwd` kernel + a
 * separate output stage) and once without (the AVX-512 VNNI kernel with its fused output
 * stage); everything else is the same. Rounds alternate the two sessions (and which goes
 * first), so load on a shared machine hits both alike; the report gives medians of per-round
 * ratios: whole-model process CPU time per run, and each depthwise layer's op time; and the
 * ratio of the fastest rounds (min/min), which shows the kernels with warm caches when the
 * other processes' cache traffic makes the medians memory-bound.
 *
 *   node --import tsx scripts/bench-dwconv.ts [--rounds 21] [--runs 5] [--warmup 3] [--threads 1] a.eqm …
 */
import { parseArgs } from 'node:util';
import { Runtime, type NativeSession } from '../src-main/engines/native/native-runtime.js';

const { values: v, positionals: files } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '21' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1' },
  },
});
if (files.length === 0) throw new Error('usage: bench-dwconv.ts [--rounds N] [--runs N] [--warmup N] [--threads N] model.eqm …');
const rounds = Number(v.rounds);
const runs = Number(v.runs);
const threads = Number(v.threads);

const min = (a: number[]) => Math.min(...a);
const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function load(file: string, dwIsa: string): NativeSession {
  if (dwIsa) process.env['EQ_DW_ISA'] = dwIsa;
  else delete process.env['EQ_DW_ISA'];
  try {
    return Runtime.load(file, { threads });
  } finally {
    delete process.env['EQ_DW_ISA'];
  }
}

/** CPU ms per run (whole process) and op ms per run of each depthwise layer. */
function measure(s: NativeSession, x: Float32Array, dims: number[]): { cpu: number; layers: Map<string, number> } {
  s.resetProfile();
  const c0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) s.run(x, dims);
  const c = process.cpuUsage(c0);
  const layers = new Map<string, number>();
  for (const o of s.profile().ops) if (o.kernel.startsWith('dw:')) layers.set(o.name, o.totalMs / runs);
  return { cpu: (c.user + c.system) / 1000 / runs, layers };
}

for (const file of files) {
  const a = load(file, 'avx2');
  const b = load(file, '');
  const dims = a.info.input.dims;
  const x = new Float32Array(dims.reduce((p, q) => p * q, 1)).map((_, i) => ((i * 7919) % 255) / 255);
  const outA = a.run(x, dims)[0]!,
    outB = b.run(x, dims)[0]!;
  const same = outA.length === outB.length && outA.every((e, i) => Object.is(e, outB[i]));
  for (let i = 0; i < Number(v.warmup); i++) [a, b].forEach((s) => s.run(x, dims));
  const kernels = (s: NativeSession) =>
    [
      ...new Set(
        s
          .profile()
          .ops.filter((o) => o.kernel.startsWith('dw:'))
          .map((o) => o.kernel),
      ),
    ].join(',');
  const cpuA: number[] = [],
    cpuB: number[] = [],
    ratio: number[] = [];
  const layerRatio = new Map<string, number[]>(),
    layerA = new Map<string, number[]>(),
    layerB = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    const [ma, mb] = r % 2 ? [measure(a, x, dims), measure(b, x, dims)].reverse() : [measure(a, x, dims), measure(b, x, dims)];
    cpuA.push(ma!.cpu);
    cpuB.push(mb!.cpu);
    ratio.push(ma!.cpu / mb!.cpu);
    for (const [name, ta] of ma!.layers) {
      const tb = mb!.layers.get(name)!;
      for (const [m, val] of [
        [layerRatio, ta / tb],
        [layerA, ta],
        [layerB, tb],
      ] as const)
        m.set(name, [...(m.get(name) ?? []), val]);
    }
  }
  console.log(`${file}: ${threads} thread(s), ${rounds} rounds x ${runs} runs; outputs identical: ${same}`);
  console.log(`  A = ${kernels(a)}   B = ${kernels(b)}`);
  console.log(
    `  whole model CPU ms/run: A ${median(cpuA).toFixed(3)}  B ${median(cpuB).toFixed(3)}  median A/B ${median(ratio).toFixed(3)}  min A/B ${(min(cpuA) / min(cpuB)).toFixed(3)}`,
  );
  let sumA = 0,
    sumB = 0,
    minA = 0,
    minB = 0;
  for (const [name, rs] of layerRatio) {
    const ta = median(layerA.get(name)!),
      tb = median(layerB.get(name)!);
    const fa = min(layerA.get(name)!),
      fb = min(layerB.get(name)!);
    sumA += ta;
    sumB += tb;
    minA += fa;
    minB += fb;
    console.log(
      `  ${name.padEnd(28)} median A ${ta.toFixed(3)} B ${tb.toFixed(3)} ms, A/B ${median(rs).toFixed(2)} | min A ${fa.toFixed(3)} B ${fb.toFixed(3)} ms, ${(fa / fb).toFixed(2)}`,
    );
  }
  console.log(
    `  all depthwise layers: medians A ${sumA.toFixed(3)} B ${sumB.toFixed(3)} ms (${(sumA / sumB).toFixed(2)}x) | mins A ${minA.toFixed(3)} B ${minB.toFixed(3)} ms (${(minA / minB).toFixed(2)}x)`,
  );
}
