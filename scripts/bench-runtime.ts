/**
 * `npm run bench`: latency of the native INT8/INT7 runtime against onnxruntime-node FP32 and
 * onnxruntime-node running our QDQ export (ORT's own int8 kernels), all in this one process,
 * on SqueezeNet 1.1, MobileNet v1 0.25 and the generated ResNet-18- and MobileNetV2-shaped
 * nets at 224x224; 1 and 2 threads; medians over >= 20 runs after warm-up. Also: INT7 vs INT8
 * on the AVX2 path, a per-layer table of Winograd F(2,3)/F(4,3) vs direct convolution, and the
 * GEMM micro-kernels' MAC/cycle (native/tools/igemm_bench, when built).
 *
 * Scales come from `easyquant calibrate --method minmax` on a few images (speed does not
 * depend on the scale values); the synthetic nets are made by `easyquant synth`.
 *
 *   npm run bench -- [--runs 30] [--warmup 5] [--models squeezenet1.1,mobilenet_v1_0.25,resnet18,mobilenetv2]
 *                    [--threads 1,2] [--out docs/results] [--work /tmp/eq-bench-runtime]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCalibration, runSynth } from '../src-main/pipeline/quantize.js';
import { compileFromFiles } from '../src-main/pipeline/compile.js';
import { runBench, type BenchRequest, type BenchResult } from '../src-main/pipeline/runtime.js';
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

async function bench(label: string, req: BenchRequest): Promise<BenchResult & { label: string; model: string }> {
  const r = await runBench(req);
  log(`  ${label.padEnd(28)} t${req.threads}  median ${r.median_ms.toFixed(2)} ms (p90 ${r.p90_ms.toFixed(2)}, min ${r.min_ms.toFixed(2)}, CPU ${r.median_cpu_ms.toFixed(2)})`);
  return { ...r, label, model: path.basename(req.model) };
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
  results: Record<string, BenchResult>;
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
  const version = Runtime.version();
  const isas = version.availableIsas.split(',');
  const best = version.detectedIsa;
  const hasAvx2 = isas.includes('avx2');
  log(`CPU: ${cpuModel()}; ISA levels: ${version.availableIsas}; affinity CPUs: ${version.affinityCpus}`);
  const rows: Row[] = [];
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
    log(`${name}:`);
    for (const threads of threadList) {
      const base = { card: m.card, threads, runs, warmup };
      const res: Record<string, BenchResult> = {};
      res['ort-fp32'] = await bench('onnxruntime FP32', { ...base, model: m.onnx, engine: 'ort-fp32' });
      res['ort-qdq-int8'] = await bench('onnxruntime QDQ INT8', { ...base, model: m.onnx, engine: 'ort-qdq', scales: scales[8] });
      res['native-int8'] = await bench(`native INT8 (${best})`, { ...base, model: eqm[8]!, engine: 'native' });
      res['native-int7'] = await bench(`native INT7 (${best})`, { ...base, model: eqm[7]!, engine: 'native' });
      if (hasAvx2 && best !== 'avx2') {
        res['native-int8-avx2'] = await bench('native INT8 (avx2)', { ...base, model: eqm[8]!, engine: 'native', isa: 'avx2' });
        res['native-int7-avx2'] = await bench('native INT7 (avx2)', { ...base, model: eqm[7]!, engine: 'native', isa: 'avx2' });
      }
      rows.push({ model: name, threads, results: res });
    }
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
  const load = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
  const report = { date: new Date().toISOString(), load: `${loadAtStart} (start) → ${load} (end)`, cpu: cpuModel(), isas: version.availableIsas, best, runs, warmup, rows, winograd: wino, gemmReport };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'runtime.json'), `${JSON.stringify(report, null, 2)}\n`);
  const md = renderMarkdown(report);
  fs.writeFileSync(path.join(outDir, 'runtime.md'), md);
  process.stdout.write(md);
}

function renderMarkdown(r: { load: string; cpu: string; isas: string; best: string; runs: number; warmup: number; rows: Row[]; winograd: WinoRow[]; gemmReport: string; date: string }): string {
  const f = (x: number) => x.toFixed(2);
  const lines: string[] = [];
  lines.push(`# Runtime latency (npm run bench)`, '');
  lines.push(`${r.date.slice(0, 10)} · CPU: ${r.cpu} · ISA levels: ${r.isas} (best: ${r.best}) · median of ${r.runs} runs after ${r.warmup} warm-up runs, one process.`, '');
  lines.push(
    `Wall-clock medians (ms), and in brackets the median process CPU time per run (all threads; ms). Load average while measuring: ${r.load}. On a shared machine the wall times swing widely between runs; the CPU times are steadier and are the better basis for the 1-thread ratios.`,
    '',
  );
  lines.push('| model | threads | ORT FP32 | ORT QDQ INT8 | native INT8 | native INT7 | INT7 vs ORT FP32 (wall / CPU) | INT7 vs ORT QDQ (wall / CPU) | INT8 avx2 | INT7 avx2 | INT7/INT8 on avx2 (wall / CPU) |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of r.rows) {
    const g = (k: string) => row.results[k];
    const cell = (k: string) => (g(k) ? `${f(g(k)!.median_ms)} [${f(g(k)!.median_cpu_ms)}]` : '–');
    const ratio = (a: string, b: string) => (g(a) && g(b) ? `${(g(a)!.median_ms / g(b)!.median_ms).toFixed(2)}× / ${(g(a)!.median_cpu_ms / g(b)!.median_cpu_ms).toFixed(2)}×` : '–');
    lines.push(
      `| ${row.model} | ${row.threads} | ${cell('ort-fp32')} | ${cell('ort-qdq-int8')} | ${cell('native-int8')} | ${cell('native-int7')} | ${ratio('ort-fp32', 'native-int7')} | ${ratio('ort-qdq-int8', 'native-int7')} | ${cell('native-int8-avx2')} | ${cell('native-int7-avx2')} | ${ratio('native-int8-avx2', 'native-int7-avx2')} |`,
    );
  }
  lines.push('');
  if (r.winograd.length) {
    lines.push('## Winograd vs direct convolution (3×3 stride-1 layers, 1 thread, best ISA)', '');
    lines.push('Mean per-layer time from the session profile (one session per forced algorithm); `native/build/host/wino-bench` times the same layers interleaved and is steadier.', '');
    lines.push('| model | bits | layer | direct (ms) | F(2,3) (ms) | F(4,3) (ms) | best speed-up | autotune chose |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const w of r.winograd) {
      const bestW = Math.min(w.wino23_ms, w.wino43_ms);
      lines.push(`| ${w.model} | ${w.bits} | ${w.layer} | ${w.direct_ms.toFixed(3)} | ${w.wino23_ms.toFixed(3)} | ${w.wino43_ms.toFixed(3)} | ${(w.direct_ms / bestW).toFixed(2)}× | ${w.chosen} |`);
    }
    lines.push('');
  }
  if (r.gemmReport) lines.push('## GEMM micro-kernel efficiency (native/build/host/igemm-bench)', '', '```', r.gemmReport.trim(), '```', '');
  return `${lines.join('\n')}\n`;
}

await main();
