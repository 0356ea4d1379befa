/**
 * `npm run bench:calib`: wall time and peak RSS of a full EQ calibration from the CLI, end to
 * end (model load, FP32 reference pass in onnxruntime, search, exports), with the paper's
 * settings (50 images, alpha 0.5, beta 2, n 100, one round, sequential quantized inputs), on
 * SqueezeNet 1.1 and MobileNet v1 0.25 (INT8 and INT7) and the synthetic ResNet-18 (224x224,
 * random weights, first 50 ImageNet sample images). Optionally the same runs with the
 * TypeScript reference search (`--reference`, slow: 15-30 min per SqueezeNet run) for the
 * speed-up and a bitwise comparison of the scale tables; without it the speed-up is taken
 * against the reference times in README.md (measured with `--accel ts` on the same machine).
 * Also the strategy study (`--strategies`): coarse-to-fine and multi-round vs the plain grid, in
 * time and in accuracy (native engine, top-1 on all 1000 images and on the 950 held out).
 *
 *   npm run bench:calib -- [--threads 2] [--models squeezenet1.1,mobilenet_v1_0.25,resnet18] [--bits 8,7]
 *                          [--reference] [--strategies] [--out scratch/bench-calib]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { argv, opt, root, shared } from './bench-args.js';

const threads = opt('threads', '2');
const models = opt('models', 'squeezenet1.1,mobilenet_v1_0.25,resnet18').split(',');
const bitsList = opt('bits', '8,7').split(',').map(Number);
const reference = argv.includes('--reference');
const strategies = argv.includes('--strategies');
const outDir = path.resolve(root, opt('out', 'scratch/bench-calib'));
const cli = path.join(root, 'bin', 'easyquant.mjs');
const imagenet = path.join(shared, 'data', 'imagenet-sample');
const haveTime = fs.existsSync('/usr/bin/time');

/** TypeScript reference EQ times from README.md (seconds, `--accel ts`, one thread, 2026-11-26 on the 2-core AMD EPYC machine). */
const README_REFERENCE: Record<string, number> = { 'squeezenet1.1/8': 780, 'squeezenet1.1/7': 805, 'mobilenet_v1_0.25/8': 301, 'mobilenet_v1_0.25/7': 354 };

interface Measured {
  wallS: number;
  /** user + system CPU seconds of the process (on a loaded machine the steadier figure) */
  cpuS?: number;
  rssMB?: number;
  scales: string;
  /** the run's output folder (scales.json and exports) */
  out: string;
}

function modelArgs(name: string): string[] {
  if (name === 'resnet18') {
    const file = path.join(outDir, 'resnet18-224.onnx');
    if (!fs.existsSync(file)) run(['synth', '--arch', 'resnet18', '--size', '224', '--seed', '1', '--out', file]);
    return [
      '--model',
      file,
      '--data',
      imagenet,
      '--resize-shorter',
      '256',
      '--crop',
      '224x224',
      '--channels',
      'RGB',
      '--pixel-scale',
      String(1 / 255),
      '--mean',
      '0.485,0.456,0.406',
      '--std',
      '0.229,0.224,0.225',
      '--layout',
      'NCHW',
    ];
  }
  const m = path.join(shared, 'models', name);
  return ['--model', path.join(m, 'model.onnx'), '--card', path.join(m, 'card.json'), '--data', name === 'mnist' ? path.join(shared, 'data', 'mnist') : imagenet];
}

function run(args: string[]): { wallS: number; cpuS?: number; rssMB?: number; stdout: string } {
  const t0 = performance.now();
  const cmd = haveTime ? '/usr/bin/time' : process.execPath;
  const full = haveTime ? ['-f', 'EQ_BENCH=%M %U %S', process.execPath, cli, ...args] : [cli, ...args];
  const r = spawnSync(cmd, full, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`easyquant ${args.join(' ')} failed:\n${r.stderr}`);
  const m = /EQ_BENCH=(\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { wallS, rssMB: m ? Number(m[1]) / 1024 : undefined, cpuS: m ? Number(m[2]) + Number(m[3]) : undefined, stdout: r.stdout };
}

function calibrate(name: string, bits: number, extra: string[], tag: string): Measured {
  const out = path.join(outDir, `${name}-int${bits}-${tag}`);
  const r = run(['calibrate', ...modelArgs(name), '--method', 'eq', '--bits', String(bits), '--calib', '50', '--threads', threads, '--out', out, '--quiet', '--json', ...extra]);
  const t = JSON.parse(fs.readFileSync(path.join(out, 'scales.json'), 'utf8')) as Record<string, unknown>;
  delete t['created_at'];
  return { wallS: r.wallS, cpuS: r.cpuS, rssMB: r.rssMB, scales: JSON.stringify(t), out };
}

/** Top-1 (all images, and the held-out ones after the 50 calibration images) of the native engine. */
function accuracy(name: string, m: Measured): string {
  const r = run(['eval', ...modelArgs(name), '--scales', path.join(m.out, 'scales.json'), '--engine', 'native', '--no-layer-cosine', '--held-out-from', '50', '--quiet', '--json']);
  const e = JSON.parse(r.stdout) as { images: number; top1: number | null; held_out?: { images: number; top1: number | null } };
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(1)} %`);
  return `top-1 ${pct(e.top1)} (${e.images}), held-out ${pct(e.held_out?.top1)} (${e.held_out?.images ?? 0})`;
}

function meanCosine(scales: string): number {
  const layers = (JSON.parse(scales) as { layers: { cosine?: number }[] }).layers;
  return layers.reduce((a, l) => a + (l.cosine ?? 0), 0) / layers.length;
}

fs.mkdirSync(outDir, { recursive: true });
const load = os.loadavg()[0]!.toFixed(1);
console.log(`EQ calibration, CLI end to end, ${threads} threads, ${os.cpus().length} CPUs, load average ${load} at start\n`);
console.log('| model | bits | native wall (s) | CPU (s) | peak RSS (MB) | reference (s) | speed-up | scales identical |');
console.log('|---|---|---|---|---|---|---|---|');
for (const name of models) {
  for (const bits of name === 'resnet18' ? [8] : bitsList) {
    const n = calibrate(name, bits, ['--accel', 'native'], 'native');
    let refS: number | undefined = README_REFERENCE[`${name}/${bits}`];
    let same = '–';
    let refNote = refS !== undefined ? `${refS} (README)` : '–';
    if (reference && name !== 'resnet18') {
      const t = calibrate(name, bits, ['--accel', 'ts'], 'ts');
      refS = t.wallS;
      refNote = t.wallS.toFixed(1);
      same = t.scales === n.scales ? 'yes' : 'NO';
    }
    const speed = refS !== undefined ? `${(refS / n.wallS).toFixed(0)}x` : '–';
    console.log(`| ${name} | INT${bits} | ${n.wallS.toFixed(1)} | ${n.cpuS?.toFixed(1) ?? 'n/a'} | ${n.rssMB?.toFixed(0) ?? 'n/a'} | ${refNote} | ${speed} | ${same} |`);
    if (strategies && name !== 'resnet18') {
      console.log(
        `|   grid (default) | INT${bits} | ${n.wallS.toFixed(1)} | ${n.cpuS?.toFixed(1) ?? 'n/a'} | ${n.rssMB?.toFixed(0) ?? 'n/a'} | | 1.00x | mean layer cosine ${meanCosine(n.scales).toFixed(5)}; ${accuracy(name, n)} |`,
      );
      for (const [label, extra] of [
        ['coarse-fine', ['--strategy', 'coarse-fine']],
        ['converge', ['--rounds', 'converge']],
      ] as const) {
        const s = calibrate(name, bits, ['--accel', 'native', ...extra], label);
        console.log(
          `|   ${label} | INT${bits} | ${s.wallS.toFixed(1)} | ${s.cpuS?.toFixed(1) ?? 'n/a'} | ${s.rssMB?.toFixed(0) ?? 'n/a'} | | ${(n.wallS / s.wallS).toFixed(2)}x vs grid | mean layer cosine ${meanCosine(s.scales).toFixed(5)}${s.scales === n.scales ? ' (same scales)' : ''}; ${accuracy(name, s)} |`,
        );
      }
    }
  }
}
console.log(`\nload average at the end: ${os.loadavg()[0]!.toFixed(1)}`);
