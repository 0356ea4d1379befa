/**
 * `npm run bench:arm`: instructions per inference of the aarch64 runner's kernels, counted under
 * QEMU user mode (no ARM board here) with our TCG plugin (scripts/arm-insns/qemu-count.ts):
 * scalar INT8, NEON INT8 and INT7 (SMULL/SMLAL into int16, `-cpu cortex-a53`), dot product
 * INT8 and INT7 (SDOT, `-cpu cortex-a76`) and the runtime's FP32 fallback, on SqueezeNet 1.1,
 * MobileNet v1 0.25 and the generated ResNet-18- and MobileNetV2-shaped nets. 1 thread, direct
 * (GEMM) convolution unless --algos adds Winograd. Counts do not depend on scale values, so the
 * scales are MinMax on 8 images (as in `npm run bench`).
 *
 *   npm run bench:arm -- [--models squeezenet1.1,mobilenet_v1_0.25,resnet18,mobilenetv2]
 *                        [--fp32 squeezenet1.1,mobilenet_v1_0.25] [--algos gemm,wino43]
 *                        [--out docs/results] [--work /tmp/eq-bench-arm]
 *   npm run bench:arm -- --render docs/results/arm-instructions.json   # tables of a saved run
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileEqmModel } from '../src-main/core/eqm/write-eqm.js';
import { planQuantization } from '../src-main/core/quant/plan.js';
import { compileFromFiles } from '../src-main/pipeline/compile.js';
import { runCalibration, runSynth } from '../src-main/pipeline/quantize.js';
import { buildArmRunner, buildInsnPlugin, countPerInference, missingTools, type CountOptions } from './arm-insns/qemu-count.js';
import { renderArmReport, type ArmReport, type ArmRow } from './arm-insns/report.js';
import { IMAGENET_PRE, opt, root, shared } from './bench-args.js';

const modelNames = opt('models', 'squeezenet1.1,mobilenet_v1_0.25,resnet18,mobilenetv2').split(',');
const fp32Models = new Set(opt('fp32', 'squeezenet1.1,mobilenet_v1_0.25').split(',').filter(Boolean));
const algos = opt('algos', 'gemm').split(',');
const outDir = path.resolve(root, opt('out', 'docs/results'));
const work = path.resolve(opt('work', path.join(os.tmpdir(), 'eq-bench-arm')));
fs.mkdirSync(work, { recursive: true });

function log(m: string) {
  process.stderr.write(`${m}\n`);
}

interface Compiled {
  eqm: Record<string, string>;
  numel: number;
}

async function prepare(name: string): Promise<Compiled> {
  const synth = name === 'resnet18' || name === 'mobilenetv2';
  const onnx = synth ? path.join(work, `${name}-224.onnx`) : path.join(shared, 'models', name, 'model.onnx');
  const card = synth ? undefined : path.join(shared, 'models', name, 'card.json');
  if (synth && !fs.existsSync(onnx)) runSynth({ arch: name, size: 224, seed: 1, out: onnx });
  const eqm: Record<string, string> = {};
  let numel = 0;
  for (const bits of [8, 7]) {
    const dir = path.join(work, `${name}-int${bits}`);
    const scales = path.join(dir, 'scales.json');
    if (!fs.existsSync(scales)) {
      log(`calibrating ${name} INT${bits} (minmax, 8 images) …`);
      await runCalibration({
        model: onnx,
        card,
        preprocess: card ? undefined : IMAGENET_PRE,
        data: path.join(shared, 'data', 'imagenet-sample'),
        settings: { method: 'minmax', bits },
        calibImages: 8,
        out: dir,
        formats: ['scales'],
      });
    }
    const c = compileFromFiles({ model: onnx, card, scales });
    eqm[`int${bits}`] = path.join(work, `${name}-int${bits}.eqm`);
    fs.writeFileSync(eqm[`int${bits}`]!, c.bytes);
    numel = c.prepared.model.graph.inputs[0]!.dims.reduce((a, b) => a * b, 1);
    if (bits === 8 && fp32Models.has(name)) {
      // every layer kept in FP32: the runtime's float fallback (scales unused)
      const graph = c.prepared.model.graph;
      const all = new Set(planQuantization(graph).layers.map((l) => l.name));
      eqm['fp32'] = path.join(work, `${name}-fp32.eqm`);
      fs.writeFileSync(eqm['fp32'], compileEqmModel(graph, planQuantization(graph, { fp32: all }), c.table).bytes);
    }
  }
  return { eqm, numel };
}

const CONFIGS: { label: string; model: string; cpu: string; isa: string }[] = [
  { label: 'scalar INT8', model: 'int8', cpu: 'cortex-a53', isa: 'scalar' },
  { label: 'NEON INT8', model: 'int8', cpu: 'cortex-a53', isa: 'neon' },
  { label: 'NEON INT7', model: 'int7', cpu: 'cortex-a53', isa: 'neon' },
  { label: 'dotprod INT8', model: 'int8', cpu: 'cortex-a76', isa: 'dotprod' },
  { label: 'dotprod INT7', model: 'int7', cpu: 'cortex-a76', isa: 'dotprod' },
  { label: 'FP32 fallback', model: 'fp32', cpu: 'cortex-a53', isa: 'neon' },
];

async function main(): Promise<void> {
  const render = opt('render', '');
  if (render) {
    process.stdout.write(renderArmReport(JSON.parse(fs.readFileSync(render, 'utf8')) as ArmReport));
    return;
  }
  const missing = missingTools();
  if (missing.length) throw new Error(`bench:arm needs ${missing.join(', ')} (Debian: apt-get install qemu-user gcc g++-aarch64-linux-gnu cmake ninja-build)`);
  const runner = buildArmRunner();
  const plugin = buildInsnPlugin();
  const rows: ArmRow[] = [];
  for (const name of modelNames) {
    const c = await prepare(name);
    for (const algo of algos) {
      for (const cfg of CONFIGS) {
        const model = c.eqm[cfg.model];
        if (!model) continue;
        if (cfg.model === 'fp32' && algo !== 'gemm') continue;
        const t0 = Date.now();
        const o: CountOptions = { model, numel: c.numel, cpu: cfg.cpu, isa: cfg.isa, convAlgo: algo, runner, plugin };
        const r = countPerInference(o);
        log(
          `${name} ${algo} ${cfg.label.padEnd(14)} ${(r.perInference.total / 1e6).toFixed(2)} M instructions/inference (fixed ${(r.fixed / 1e6).toFixed(1)} M) in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
        );
        rows.push({
          model: name,
          algo,
          config: cfg.label,
          cpu: cfg.cpu,
          isa: cfg.isa,
          fixed: r.fixed,
          perInference: { ...r.perInference, symbols: topSymbols(r.perInference.symbols, 15) },
        });
      }
    }
  }
  const report: ArmReport = { date: new Date().toISOString(), qemu: qemuVersion(), rows };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'arm-instructions.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(renderArmReport(report));
}

/** The n functions with the most instructions (the JSON stays small). */
function topSymbols(symbols: Record<string, number>, n: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(symbols)
      .sort((a, b) => b[1] - a[1])
      .slice(0, n),
  );
}

function qemuVersion(): string {
  try {
    return /version (\S+)/.exec(execFileSync('qemu-aarch64', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

await main();
