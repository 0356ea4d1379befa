/**
 * `npm run bench`: latency of the native INT8/INT7 runtime against onnxruntime-node FP32 and
 * onnxruntime-node running our QDQ export (ORT's own int8 kernels), all in this one process,
 * on SqueezeNet 1.1, MobileNet v1 0.25 and the generated ResNet-18- and MobileNetV2-shaped
 * nets at 224x224; 1 and 2 threads. The engines of one model (all thread counts) run INTERLEAVED:
 * each round runs every engine once in a rotating order, so load on a shared machine hits a
 * round's engines alike; besides latency medians/p90 the report gives the median and p10/p90 of
 * the per-round speed-ups (INT7 and INT8 vs ORT FP32, INT7 vs INT8, N threads vs 1 thread).
 * Also: INT7 vs INT8 on the AVX2 path, a per-layer table of Winograd F(2,3)/F(4,3) vs direct convolution, and the
 * GEMM micro-kernels' MAC/cycle (native/tools/igemm_bench, when built).
 *
 * Scales come from `easyquant calibrate --method minmax` on a few images (speed does not
 * depend on the scale values); the synthetic nets are made by `easyquant synth`.
 *
 *   npm run bench -- [--runs 30 (rounds)] [--warmup 5] [--models squeezenet1.1,mobilenet_v1_0.25,resnet18,mobilenetv2]
 *                    [--threads 1,2] [--out docs/results] [--work /tmp/eq-bench-runtime]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCalibration, runSynth } from '../src-main/pipeline/quantize.js';
import { compileFromFiles } from '../src-main/pipeline/compile.js';
import { openBenchSession, runBench, type BenchRequest, type BenchSession } from '../src-main/pipeline/runtime.js';
import { interleavedRounds } from '../src-main/pipeline/bench-rounds.js';
import { roundRatios, summarize, type EngineSummary, type RatioStats } from '../src-main/core/bench/interleaved-stats.js';
import { Runtime, type NativeOpProfile } from '../src-main/engines/native/native-runtime.js';
import { IMAGENET_PRE, opt, root, shared } from './bench-args.js';

const runs = Number(opt('runs', '30'));
const warmup = Number(opt('warmup', '5'));
const threadList = opt('threads', '1,2').split(',').map(Number);
const modelNames = opt('models', 'squeezenet1.1,mobilenet_v1_0.25,resnet18,mobilenetv2').split(',');
const outDir = path.resolve(root, opt('out', 'docs/results'));
const work = path.resolve(opt('work', path.join(os.tmpdir(), 'eq-bench-runtime')));
fs.mkdirSync(work, { recursive: true });

interface ModelSpec {
  name: string;
  onnx: string;
  card?: string;
}

function log(m: string) {
  process.stderr.write(`${m}\n`);
}

async function ensureScales(m: ModelSpec, bits: number): Promise<string> {
  const dir = path.join(work, `${m.name}-int${bits}`);
  const file = path.join(dir, 'scales.json');
  if (fs.existsSync(file)) return file;
  log(`calibrating ${m.name} INT${bits} (minmax, 8 images) …`);
  await runCalibration({
    model: m.onnx,
    card: m.card,
    preprocess: m.card ? undefined : IMAGENET_PRE,
    data: path.join(shared, 'data', 'imagenet-sample'),
    settings: { method: 'minmax', bits },
    calibImages: 8,
    out: dir,
    formats: ['scales'],
  });
  return file;
}

function modelSpec(name: string): ModelSpec {
  if (name === 'resnet18' || name === 'mobilenetv2') {
    const onnx = path.join(work, `${name}-224.onnx`);
    if (!fs.existsSync(onnx)) runSynth({ arch: name, size: 224, seed: 1, out: onnx });
    return { name, onnx };
  }
  return { name, onnx: path.join(shared, 'models', name, 'model.onnx'), card: path.join(shared, 'models', name, 'card.json') };
}

function cpuModel(): string {
  try {
    const m = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

interface WinoRow {
  model: string;
  bits: number;
  layer: string;
  direct_ms: number;
  wino23_ms: number;
  wino43_ms: number;
  chosen: string;
}

interface Row {
  model: string;
  threads: number;
  /** per engine key (ort-fp32, ort-qdq-int8, native-int8, native-int7, native-int8-avx2, native-int7-avx2) */
  results: Record<string, EngineSummary & { isa: string }>;
  /** per-round speed-ups, e.g. 'int7/ort-fp32' = ORT FP32 ms / native INT7 ms of the same round */
  ratios: Record<string, RatioStats>;
}

interface ScalingRow {
  model: string;
  threads: number;
  /** per-round speed-up of this thread count over the first one in --threads, per engine key */
  speedup: Record<string, RatioStats>;
}

/** [numerator engine key (the baseline), denominator key (the candidate)] of each per-round ratio */
const RATIOS: Record<string, [string, string]> = {
  'int7/ort-fp32': ['ort-fp32', 'native-int7'],
  'int8/ort-fp32': ['ort-fp32', 'native-int8'],
  'int7/int8': ['native-int8', 'native-int7'],
  'int7/ort-qdq': ['ort-qdq-int8', 'native-int7'],
  'int7/int8-avx2': ['native-int8-avx2', 'native-int7-avx2'],
  // AMX hosts: the best level against the AVX-512 VNNI one it replaced (same EQM, same process)
  'int7/int7-vnni': ['native-int7-vnni', 'native-int7'],
};

/** Opens every engine of one model at every thread count, times them in interleaved rounds, closes them. */
async function benchModel(
  name: string,
  m: ModelSpec,
  eqm: Record<number, string>,
  scales: Record<number, string>,
  best: string,
  hasAvx2: boolean,
  hasVnni: boolean,
): Promise<{ rows: Row[]; scaling: ScalingRow[] }> {
  const keys: { threads: number; key: string; req: BenchRequest }[] = [];
  for (const threads of threadList) {
    const base = { card: m.card, threads, runs, warmup };
    // no spinning onnxruntime threads between the engines of a round (they would hold a core
    // while the next engine runs; the native pool spins only a few microseconds)
    const ort = { ...base, model: m.onnx, ortSpinning: false };
    keys.push({ threads, key: 'ort-fp32', req: { ...ort, engine: 'ort-fp32' } });
    keys.push({ threads, key: 'ort-qdq-int8', req: { ...ort, engine: 'ort-qdq', scales: scales[8] } });
    keys.push({ threads, key: 'native-int8', req: { ...base, model: eqm[8]!, engine: 'native' } });
    keys.push({ threads, key: 'native-int7', req: { ...base, model: eqm[7]!, engine: 'native' } });
    if (hasAvx2 && best !== 'avx2') {
      keys.push({ threads, key: 'native-int8-avx2', req: { ...base, model: eqm[8]!, engine: 'native', isa: 'avx2' } });
      keys.push({ threads, key: 'native-int7-avx2', req: { ...base, model: eqm[7]!, engine: 'native', isa: 'avx2' } });
    }
    if (best === 'amx' && hasVnni) keys.push({ threads, key: 'native-int7-vnni', req: { ...base, model: eqm[7]!, engine: 'native', isa: 'avx512vnni' } });
  }
  const sessions: BenchSession[] = [];
  try {
    for (const k of keys) sessions.push(await openBenchSession(k.req));
    log(`${name}: ${runs} interleaved rounds of ${sessions.length} engines …`);
    const times = await interleavedRounds(sessions, runs, warmup);
    const wall = (threads: number, key: string) => times[keys.findIndex((k) => k.threads === threads && k.key === key)]?.wall;
    const rows: Row[] = threadList.map((threads) => {
      const results: Row['results'] = {};
      keys.forEach((k, i) => {
        if (k.threads === threads) results[k.key] = { ...summarize(times[i]!), isa: sessions[i]!.isa() };
      });
      const ratios: Row['ratios'] = {};
      for (const [label, [num, den]] of Object.entries(RATIOS)) {
        const a = wall(threads, num);
        const b = wall(threads, den);
        if (a && b) ratios[label] = roundRatios(a, b);
      }
      for (const [key, r] of Object.entries(results))
        log(`  t${threads} ${key.padEnd(18)} median ${r.median_ms.toFixed(2)} ms (p90 ${r.p90_ms.toFixed(2)}, CPU ${r.median_cpu_ms.toFixed(2)}) ${r.isa}`);
      for (const [label, r] of Object.entries(ratios)) log(`  t${threads} ${label.padEnd(18)} ${r.median.toFixed(2)}× (p10 ${r.p10.toFixed(2)}, p90 ${r.p90.toFixed(2)})`);
      return { model: name, threads, results, ratios };
    });
    const scaling: ScalingRow[] = threadList.slice(1).map((threads) => {
      const speedup: ScalingRow['speedup'] = {};
      for (const key of ['ort-fp32', 'native-int8', 'native-int7']) speedup[key] = roundRatios(wall(threadList[0]!, key)!, wall(threads, key)!);
      log(
        `  ${threads} vs ${threadList[0]} threads: ${Object.entries(speedup)
          .map(([k, r]) => `${k} ${r.median.toFixed(2)}×`)
          .join(', ')}`,
      );
      return { model: name, threads, speedup };
    });
    return { rows, scaling };
  } finally {
    for (const s of sessions) await s.close();
  }
}

async function main(): Promise<void> {
  const loadAtStart = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
  const version = Runtime.version();
  const isas = version.availableIsas.split(',');
  const best = version.detectedIsa;
  const hasAvx2 = isas.includes('avx2');
  log(`CPU: ${cpuModel()}; ISA levels: ${version.availableIsas}; affinity CPUs: ${version.affinityCpus}`);
  const rows: Row[] = [];
  const scaling: ScalingRow[] = [];
  const wino: WinoRow[] = [];
  for (const name of modelNames) {
    const m = modelSpec(name);
    const eqm: Record<number, string> = {};
    const scales: Record<number, string> = {};
    for (const bits of [8, 7]) {
      scales[bits] = await ensureScales(m, bits);
      const file = path.join(work, `${name}-int${bits}.eqm`);
      fs.writeFileSync(file, compileFromFiles({ model: m.onnx, card: m.card, scales: scales[bits]! }).bytes);
      eqm[bits] = file;
    }
    const r = await benchModel(name, m, eqm, scales, best, hasAvx2, isas.includes('avx512vnni'));
    rows.push(...r.rows);
    scaling.push(...r.scaling);
    // Winograd vs direct, per 3x3 stride-1 layer, single thread, best ISA
    if (name === 'resnet18' || name === 'squeezenet1.1') {
      for (const bits of [8, 7]) {
        const per: Record<string, NativeOpProfile[]> = {};
        for (const algo of ['gemm', 'wino23', 'wino43']) {
          const r = await runBench({ model: eqm[bits]!, engine: 'native', threads: 1, runs: Math.max(10, Math.floor(runs / 2)), warmup: 2, convAlgo: algo, profile: true });
          per[algo] = r.layers!.ops;
        }
        const auto = await runBench({ model: eqm[bits]!, engine: 'native', threads: 1, runs: 3, warmup: 1, profile: true });
        per['gemm']!.forEach((op, i) => {
          const w23 = per['wino23']![i]!;
          const w43 = per['wino43']![i]!;
          if (!w23.kernel.startsWith('wino') && !w43.kernel.startsWith('wino')) return;
          wino.push({
            model: name,
            bits,
            layer: op.name,
            direct_ms: op.totalMs / op.calls,
            wino23_ms: w23.totalMs / w23.calls,
            wino43_ms: w43.totalMs / w43.calls,
            chosen: auto.layers!.ops[i]!.kernel,
          });
        });
      }
    }
  }
  // GEMM micro-kernel efficiency from the C++ tool, when it is built
  let gemmReport = '';
  const tool = path.join(root, 'native', 'build', 'host', 'igemm-bench');
  if (fs.existsSync(tool)) {
    try {
      gemmReport = execFileSync(tool, [], { encoding: 'utf8', timeout: 600_000 });
    } catch (e) {
      gemmReport = `igemm-bench failed: ${(e as Error).message}`;
    }
  }
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' / ');
  const report = {
    date: new Date().toISOString(),
    load: `${loadAtStart} (start) → ${load} (end)`,
    cpu: cpuModel(),
    isas: version.availableIsas,
    best,
    runs,
    warmup,
    threadList,
    rows,
    scaling,
    winograd: wino,
    gemmReport,
  };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'runtime.json'), `${JSON.stringify(report, null, 2)}\n`);
  const md = renderMarkdown(report);
  fs.writeFileSync(path.join(outDir, 'runtime.md'), md);
  process.stdout.write(md);
}

type Report = {
  load: string;
  cpu: string;
  isas: string;
  best: string;
  runs: number;
  warmup: number;
  threadList: number[];
  rows: Row[];
  scaling: ScalingRow[];
  winograd: WinoRow[];
  gemmReport: string;
  date: string;
};

function renderMarkdown(r: Report): string {
  const f = (x: number) => x.toFixed(2);
  const rs = (x: RatioStats | undefined) => (x ? `${f(x.median)}× (${f(x.p10)}–${f(x.p90)})` : '–');
  const lines: string[] = [];
  lines.push(`# Runtime latency (npm run bench)`, '');
  lines.push(`${r.date.slice(0, 10)} · CPU: ${r.cpu} · ISA levels: ${r.isas} (best: ${r.best}) · ${r.runs} interleaved rounds after ${r.warmup} warm-up rounds, one process.`, '');
  lines.push(
    `Each round runs every engine of a model once (all thread counts, rotating order). Wall-clock median / p90 (ms), and in brackets the median process CPU time per run (all threads; ms). Load average while measuring: ${r.load}.`,
    '',
  );
  lines.push('| model | threads | ORT FP32 | ORT QDQ INT8 | native INT8 | native INT7 | INT8 avx2 | INT7 avx2 |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const row of r.rows) {
    const g = (k: string) => row.results[k];
    const cell = (k: string) => (g(k) ? `${f(g(k)!.median_ms)} / ${f(g(k)!.p90_ms)} [${f(g(k)!.median_cpu_ms)}]` : '–');
    lines.push(
      `| ${row.model} | ${row.threads} | ${cell('ort-fp32')} | ${cell('ort-qdq-int8')} | ${cell('native-int8')} | ${cell('native-int7')} | ${cell('native-int8-avx2')} | ${cell('native-int7-avx2')} |`,
    );
  }
  lines.push('', 'Per-round speed-ups (baseline ms / candidate ms of the same round): median (p10–p90) over the rounds; > 1× means the candidate is faster.', '');
  const amx = r.rows.some((row) => row.ratios['int7/int7-vnni']);
  lines.push(`| model | threads | INT7 vs ORT FP32 | INT8 vs ORT FP32 | INT7 vs INT8 | INT7 vs ORT QDQ | INT7 vs INT8 on avx2 |${amx ? ' INT7 amx vs avx512vnni |' : ''}`);
  lines.push(`|---|---|---|---|---|---|---|${amx ? '---|' : ''}`);
  for (const row of r.rows) {
    const x = row.ratios;
    lines.push(
      `| ${row.model} | ${row.threads} | ${rs(x['int7/ort-fp32'])} | ${rs(x['int8/ort-fp32'])} | ${rs(x['int7/int8'])} | ${rs(x['int7/ort-qdq'])} | ${rs(x['int7/int8-avx2'])} |${amx ? ` ${rs(x['int7/int7-vnni'])} |` : ''}`,
    );
  }
  lines.push('');
  if (r.scaling.length) {
    lines.push(`Thread scaling: per-round speed-up over ${r.threadList[0]} thread(s), median (p10–p90).`, '');
    lines.push('| model | threads | ORT FP32 | native INT8 | native INT7 |');
    lines.push('|---|---|---|---|---|');
    for (const sc of r.scaling) lines.push(`| ${sc.model} | ${sc.threads} | ${rs(sc.speedup['ort-fp32'])} | ${rs(sc.speedup['native-int8'])} | ${rs(sc.speedup['native-int7'])} |`);
    lines.push('');
  }
  if (r.winograd.length) {
    lines.push('## Winograd vs direct convolution (3×3 stride-1 layers, 1 thread, best ISA)', '');
    lines.push(
      'Mean per-layer time from the session profile (one session per forced algorithm); `native/build/host/wino-bench` times the same layers interleaved and is steadier.',
      '',
    );
    lines.push('| model | bits | layer | direct (ms) | F(2,3) (ms) | F(4,3) (ms) | best speed-up | autotune chose |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const w of r.winograd) {
      const bestW = Math.min(w.wino23_ms, w.wino43_ms);
      lines.push(
        `| ${w.model} | ${w.bits} | ${w.layer} | ${w.direct_ms.toFixed(3)} | ${w.wino23_ms.toFixed(3)} | ${w.wino43_ms.toFixed(3)} | ${(w.direct_ms / bestW).toFixed(2)}× | ${w.chosen} |`,
      );
    }
    lines.push('');
  }
  if (r.gemmReport) lines.push('## GEMM micro-kernel efficiency (native/build/host/igemm-bench)', '', '```', r.gemmReport.trim(), '```', '');
  return `${lines.join('\n')}\n`;
}

await main();
