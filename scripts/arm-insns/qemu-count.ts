/**
 * Instruction counts of the aarch64 runner (eqrun) under QEMU user mode, for `npm run bench:arm`
 * and its test. The counter is our TCG plugin native/tools/qemu_insn_count/insn_count.c, built
 * here with the host C compiler; it needs Debian's dynamically linked `qemu-aarch64`
 * (package qemu-user): qemu-aarch64-static cannot load plugins.
 *
 * One inference = the difference between `eqrun infer` on a batch of 1+k copies of one input and
 * on a batch of 1, divided by k: model loading, the first run's workspace growth and process
 * start/exit cancel, and the count is exact and repeatable (infer prints no timings, and the
 * same input gives the same data-dependent paths).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const QEMU = 'qemu-aarch64';
const PLUGIN_SRC = path.join(ROOT, 'native', 'tools', 'qemu_insn_count', 'insn_count.c');
const PLUGIN_OUT = path.join(ROOT, 'native', 'build', 'qemu-insn-count', 'insn-count.so');
export const RUNNER = path.join(ROOT, 'native', 'build', 'runners', 'linux-aarch64', 'eqrun');

export interface InsnCount {
  total: number;
  /** instruction classes decoded from the A64 encodings (sdot, smlal, smull, sadalp, fmla, …) */
  classes: Record<string, number>;
  /** instructions per function symbol (mangled C++ names) */
  symbols: Record<string, number>;
}

export function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d !== '' && fs.existsSync(path.join(d, tool)));
}

/** Tools the counter needs that are not installed (empty: it can run). */
export function missingTools(): string[] {
  return [QEMU, 'cc', 'aarch64-linux-gnu-g++', 'cmake'].filter((t) => !onPath(t));
}

/** Builds the plugin when it is missing or older than its source; returns its path. */
export function buildInsnPlugin(): string {
  if (fs.existsSync(PLUGIN_OUT) && fs.statSync(PLUGIN_OUT).mtimeMs >= fs.statSync(PLUGIN_SRC).mtimeMs) return PLUGIN_OUT;
  fs.mkdirSync(path.dirname(PLUGIN_OUT), { recursive: true });
  const tmp = `${PLUGIN_OUT}.${process.pid}.tmp`;
  const r = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-o', tmp, PLUGIN_SRC], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the qemu plugin ${path.relative(ROOT, PLUGIN_SRC)} failed:\n${r.stderr || r.error?.message}`);
  fs.renameSync(tmp, PLUGIN_OUT);
  return PLUGIN_OUT;
}

/** Builds (incrementally) the aarch64 eqrun with scripts/build-runners.mjs; returns its path. */
export function buildArmRunner(): string {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-runners.mjs'), 'linux-aarch64'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 || !fs.existsSync(RUNNER)) throw new Error(`building eqrun for linux-aarch64 failed:\n${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-30).join('\n')}`);
  return RUNNER;
}

export function parseCounts(text: string, source: string): InsnCount {
  const c: InsnCount = { total: NaN, classes: {}, symbols: {} };
  for (const line of text.split('\n')) {
    if (!line) continue;
    const m = /^(total|class|symbol) (?:(\S+) )?(\d+)$/.exec(line);
    if (!m) throw new Error(`${source}: unexpected line '${line}'`);
    const n = Number(m[3]);
    if (m[1] === 'total') c.total = n;
    else if (m[1] === 'class') c.classes[m[2]!] = n;
    else c.symbols[m[2]!] = n;
  }
  if (!Number.isFinite(c.total)) throw new Error(`${source}: no 'total' line`);
  return c;
}

/** An EQB1 float32 batch file (native/tools/eqrun/batch.h) holding `count` copies of `sample`. */
export function writeFloatBatch(file: string, sample: Float32Array, count: number): void {
  const header = Buffer.alloc(24);
  header.write('EQB1', 0, 'latin1');
  header.writeUInt32LE(1, 4);
  header.writeUInt32LE(count, 8);
  header.writeUInt32LE(sample.length, 12);
  const body = Buffer.from(sample.buffer, sample.byteOffset, sample.byteLength);
  fs.writeFileSync(file, Buffer.concat([header, ...Array.from({ length: count }, () => body)]));
}

/** Deterministic input in [-1, 1). */
export function deterministicInput(numel: number): Float32Array {
  const x = new Float32Array(numel);
  let r = 12345;
  for (let i = 0; i < numel; i++) {
    r = (Math.imul(r, 1664525) + 1013904223) >>> 0;
    x[i] = (r >>> 8) / 8388608 - 1;
  }
  return x;
}

export interface CountOptions {
  model: string;
  /** numel of the model's input */
  numel: number;
  /** QEMU CPU model: cortex-a53 (ARMv8.0, NEON) or cortex-a76 (ARMv8.2, dot product) */
  cpu: string;
  /** eqrun --isa: scalar, neon or dotprod */
  isa: string;
  /** EQ_CONV_ALGO for the run (gemm, wino23, wino43); default gemm, so no timing decides */
  convAlgo?: string;
  /** extra inferences whose count is divided out (default 1) */
  extra?: number;
  runner?: string;
  plugin?: string;
  timeoutMs?: number;
}

/** Counts one `eqrun infer` process of `count` copies of the input. */
export function countProcess(o: CountOptions, count: number): InsnCount {
  const plugin = o.plugin ?? buildInsnPlugin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-insns-'));
  try {
    const batch = path.join(dir, 'in.eqb');
    const out = path.join(dir, 'counts.txt');
    writeFloatBatch(batch, deterministicInput(o.numel), count);
    const env: NodeJS.ProcessEnv = { ...process.env, EQ_CONV_ALGO: o.convAlgo ?? 'gemm' };
    delete env.EQ_ISA;
    const args = [
      '-cpu',
      o.cpu,
      '-plugin',
      `${plugin},out=${out}`,
      o.runner ?? RUNNER,
      'infer',
      o.model,
      '--in',
      batch,
      '--out',
      path.join(dir, 'out.eqo'),
      '--threads',
      '1',
      '--isa',
      o.isa,
      '--no-autotune',
    ];
    const r = spawnSync(QEMU, args, { env, encoding: 'utf8', maxBuffer: 16 << 20, timeout: o.timeoutMs ?? 30 * 60_000 });
    if (r.error) throw new Error(`${QEMU}: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`${QEMU} ${args.join(' ')} exited with ${r.status ?? r.signal}:\n${r.stderr}`);
    if (!fs.existsSync(out)) throw new Error(`the plugin wrote no counts (${out}); stderr:\n${r.stderr}`);
    return parseCounts(fs.readFileSync(out, 'utf8'), out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function diff(a: InsnCount, b: InsnCount, k: number): InsnCount {
  const sub = (x: Record<string, number>, y: Record<string, number>) => {
    const o: Record<string, number> = {};
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const v = ((x[key] ?? 0) - (y[key] ?? 0)) / k;
      if (v !== 0) o[key] = v;
    }
    return o;
  };
  return { total: (a.total - b.total) / k, classes: sub(a.classes, b.classes), symbols: sub(a.symbols, b.symbols) };
}

export interface PerInference {
  /** instructions of one inference (steady state) */
  perInference: InsnCount;
  /** the rest of the 1-inference process: start, model load and layer preparation, the first
   *  run's extra (workspace growth), exit */
  fixed: number;
}

/** Per-inference count: (count(1 + k inferences) − count(1 inference)) / k. */
export function countPerInference(o: CountOptions): PerInference {
  const k = o.extra ?? 1;
  const one = countProcess(o, 1);
  const more = countProcess(o, 1 + k);
  const per = diff(more, one, k);
  return { perInference: per, fixed: one.total - per.total };
}
