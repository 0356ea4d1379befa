/**
 * Native INT8/INT7 vs onnxruntime FP32 latency at 1 thread for zoo models, without the rest of
 * bench-zoo: calibrates once per model (cached under --work), recompiles every run (so a compiler
 * change shows), then times the engines interleaved (median of round medians, like bench-zoo).
 * --base DIR: also calibrate and compile with the checkout in DIR (e.g. `git archive` of an
 * older commit with node_modules linked) and time those EQM files in the same rounds, with this
 * checkout's runtime: a before/after comparison of the compiler on the same machine state.
 * --base-addon FILE: time the same EQM files also with another eqm_native.node (a copy of the
 * addon before a runtime change), in the same rounds: a before/after comparison of the runtime.
 * Each cell: median wall ms, then the medians over rounds of the wall and CPU-time ratios to ORT.
 *
 *   node --import tsx scripts/zoo/zoo-speed.ts [--only id1,id2] [--work .eq-cache/zoospeed]
 *        [--base DIR | --base-addon FILE] [--rounds 3] [--runs 10] [--profile id] [--json out.json]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tfliteToOnnxBytes } from '../../src-main/core/tflite/import.js';
import { optional as opt, positiveNum } from '../bench-args.js';
import { benchShape, imageLayout, writeImageCard, writeRandomTensors, type ZooModel } from './bench-inputs.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const IMAGENET = path.resolve(root, '../shared/data/imagenet-sample');
const rounds = positiveNum('rounds', 3);
const runs = positiveNum('runs', 10);
const workRoot = path.resolve(root, opt('work') ?? '.eq-cache/zoospeed');

const base = opt('base') ? path.resolve(opt('base')!) : undefined;
const baseAddon = opt('base-addon') ? path.resolve(opt('base-addon')!) : undefined;
if (base && baseAddon) throw new Error('zoo-speed: --base and --base-addon compare different things; give one');

function cli(argv: string[], at = root, addon?: string): { ok: boolean; out: string; err: string } {
  const env = addon ? { ...process.env, EQ_NATIVE_ADDON: addon } : process.env;
  const r = spawnSync(process.execPath, [path.join(at, 'bin/easyquant.mjs'), ...argv], { cwd: at, env, encoding: 'utf8', maxBuffer: 256 << 20 });
  const err = `${r.stderr}`.split('\n').find((l) => l.startsWith('easyquant: error:')) ?? `${r.stderr}`.trim().split('\n').pop() ?? '';
  return { ok: r.status === 0, out: r.stdout, err: err.replace(/^easyquant: error: /, '') };
}
const json = <T>(out: string): T => JSON.parse(out.slice(out.indexOf('{'))) as T;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

type Key = 'ort' | 'eq8' | 'eq7' | 'base_eq8' | 'base_eq7';
/** wall medians by engine, plus CPU medians and the medians of the per-round ratios to ORT */
type Row = { id: string; err?: string; cpu: Record<string, number>; ratio: Record<string, { wall: number; cpu: number }> } & Partial<Record<Key, number>>;

/** one timed engine; addon: the native addon file it runs with (EQ_NATIVE_ADDON), else this checkout's */
type Engine = { key: string; argv: string[]; addon?: string };

function prepare(m: ZooModel, file: string, work: string): { engines: Engine[]; err?: string } {
  const shape = benchShape(m);
  const shapeArgs = shape ? ['--input-shape', shape.join(',')] : [];
  const img = imageLayout(m, shape);
  let dataArgs: string[];
  let cardArgs: string[] = [];
  if (img && shape) {
    const card = path.join(work, 'card.json');
    if (!fs.existsSync(card)) writeImageCard(m, shape, img, card, m.task === 'classification' ? 1000 : undefined);
    cardArgs = ['--card', card];
    dataArgs = ['--data', IMAGENET, ...cardArgs];
  } else if (shape) {
    const dir = path.join(work, 'tensors');
    if (!fs.existsSync(dir)) writeRandomTensors(dir, shape, 4);
    dataArgs = ['--data', dir, ...shapeArgs];
  } else return { engines: [], err: 'no static input shape' };
  let ortModel = file;
  if (m.format === 'tflite') {
    ortModel = path.join(work, `${m.id}.onnx`);
    if (!fs.existsSync(ortModel)) fs.writeFileSync(ortModel, tfliteToOnnxBytes(fs.readFileSync(file), file));
  }
  const engines: Engine[] = [{ key: 'ort', argv: ['--engine', 'ort-fp32', '--model', ortModel, ...cardArgs] }];
  const errs: string[] = [];
  for (const [prefix, at] of [['', root], ...(base ? [['base_', base]] : [])] as [string, string][]) {
    for (const bits of [8, 7]) {
      const key = `${prefix}eq${bits}`;
      const out = path.join(work, key);
      const scales = path.join(out, 'scales.json');
      if (!fs.existsSync(scales)) {
        const c = cli(['calibrate', '--model', file, ...dataArgs, '--method', 'eq', '--bits', String(bits), '--calib', '2', '--steps', '4', '--out', out, '--json', '--quiet'], at);
        if (!c.ok) {
          errs.push(`calibrate ${key}: ${c.err}`);
          continue;
        }
      }
      const eqm = path.join(work, `${key}.eqm`);
      const comp = cli(['compile', '--model', file, '--scales', scales, ...(cardArgs.length ? cardArgs : shapeArgs), '--out', eqm, '--json'], at);
      if (!comp.ok) errs.push(`compile ${key}: ${comp.err}`);
      else {
        engines.push({ key, argv: ['--engine', 'native', '--model', eqm] });
        if (baseAddon) engines.push({ key: `base_${key}`, argv: ['--engine', 'native', '--model', eqm], addon: baseAddon });
      }
    }
  }
  return { engines, err: errs.length ? errs.join('; ') : undefined };
}

function main(): void {
  const dir = path.resolve(process.env['EQ_ZOO_DIR'] ?? path.join(root, '.eq-cache/zoo'));
  const zoo = (JSON.parse(fs.readFileSync(path.join(here, 'zoo.json'), 'utf8')) as { models: ZooModel[] }).models;
  const only = opt('only')?.split(',');
  const models = only ? zoo.filter((m) => only.includes(m.id)) : zoo;
  const rows: Row[] = [];
  for (const m of models) {
    const file = path.join(dir, `${m.id}.${m.format}`);
    const work = path.join(workRoot, m.id);
    fs.mkdirSync(work, { recursive: true });
    const row: Row = { id: m.id, cpu: {}, ratio: {} };
    const { engines, err } = prepare(m, file, work);
    if (err) row.err = err;
    // per round: each engine's median wall and CPU time, and its ratio to ORT in that round
    // (a ratio within one round is less exposed to the load of the machine than two medians)
    const per = new Map<string, { wall: number[]; cpu: number[]; rw: number[]; rc: number[] }>();
    for (let r = 0; r < rounds; r++) {
      const got = new Map<string, { median_ms: number; median_cpu_ms: number }>();
      for (const e of engines) {
        const b = cli(['bench', ...e.argv, '--threads', '1', '--runs', String(runs), '--warmup', '2', '--json'], root, e.addon);
        if (!b.ok) {
          row.err = `${e.key}: ${b.err}`;
          continue;
        }
        got.set(e.key, json<{ median_ms: number; median_cpu_ms: number }>(b.out));
      }
      const ort = got.get('ort');
      for (const [k, v] of got) {
        const p = per.get(k) ?? { wall: [], cpu: [], rw: [], rc: [] };
        p.wall.push(v.median_ms);
        p.cpu.push(v.median_cpu_ms);
        if (ort) {
          p.rw.push(v.median_ms / ort.median_ms);
          p.rc.push(v.median_cpu_ms / ort.median_cpu_ms);
        }
        per.set(k, p);
      }
    }
    for (const [k, p] of per) {
      row[k as Key] = median(p.wall);
      row.cpu[k] = median(p.cpu);
      if (p.rw.length) row.ratio[k] = { wall: median(p.rw), cpu: median(p.rc) };
    }
    if (opt('profile') === m.id) {
      const p = cli(['bench', '--engine', 'native', '--model', path.join(work, 'eq8.eqm'), '--threads', '1', '--runs', '5', '--profile', '--json']);
      fs.writeFileSync(path.join(work, 'profile.json'), p.out);
    }
    // cell: wall ms (median per-round wall ratio to ORT; CPU ratio)
    const cell = (k: Key): string => {
      const x = row[k];
      const q = row.ratio[k];
      return x && q ? `${x.toFixed(2)} ms (×${q.wall.toFixed(2)}; cpu ×${q.cpu.toFixed(2)})` : '—';
    };
    const cols: Key[] = base || baseAddon ? ['base_eq8', 'eq8', 'base_eq7', 'eq7'] : ['eq8', 'eq7'];
    console.log(`| ${m.id} | ${row.ort?.toFixed(2) ?? '—'} ms (cpu ${row.cpu['ort']?.toFixed(2) ?? '—'}) | ${cols.map(cell).join(' | ')} | ${row.err ?? ''} |`);
    rows.push(row);
  }
  const out = opt('json');
  if (out) fs.writeFileSync(out, JSON.stringify(rows, null, 2) + '\n');
}

main();
