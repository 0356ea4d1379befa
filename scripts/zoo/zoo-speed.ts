/**
 * Native INT8/INT7 vs onnxruntime FP32 latency at 1 thread for zoo models, without the rest of
 * bench-zoo: calibrates once per model (cached under --work), recompiles every run (so a compiler
 * change shows), then times the engines interleaved (median of round medians, like bench-zoo).
 * --base DIR: also calibrate and compile with the checkout in DIR (e.g. `git archive` of an
 * older commit with node_modules linked) and time those EQM files in the same rounds, with this
 * checkout's runtime: a before/after comparison of the compiler on the same machine state.
 *
 *   node --import tsx scripts/zoo/zoo-speed.ts [--only id1,id2] [--work .eq-cache/zoospeed]
 *        [--base DIR] [--rounds 3] [--runs 10] [--profile id] [--json out.json]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tfliteToOnnxBytes } from '../../src-main/core/tflite/import.js';
import { benchShape, imageLayout, writeImageCard, writeRandomTensors, type ZooModel } from './bench-inputs.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const opt = (name: string, dflt?: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const IMAGENET = path.resolve(root, '../shared/data/imagenet-sample');
const rounds = Number(opt('rounds', '3'));
const runs = Number(opt('runs', '10'));
const workRoot = path.resolve(root, opt('work', '.eq-cache/zoospeed')!);

const base = opt('base') ? path.resolve(opt('base')!) : undefined;

function cli(argv: string[], at = root): { ok: boolean; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(at, 'bin/easyquant.mjs'), ...argv], { cwd: at, encoding: 'utf8', maxBuffer: 256 << 20 });
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
type Row = { id: string; err?: string } & Partial<Record<Key, number>>;

function prepare(m: ZooModel, file: string, work: string): { engines: { key: string; argv: string[] }[]; err?: string } {
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
  const engines = [{ key: 'ort', argv: ['--engine', 'ort-fp32', '--model', ortModel, ...cardArgs] }];
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
      else engines.push({ key, argv: ['--engine', 'native', '--model', eqm] });
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
    const row: Row = { id: m.id };
    const { engines, err } = prepare(m, file, work);
    if (err) row.err = err;
    const meds = new Map<string, number[]>();
    for (let r = 0; r < rounds; r++) {
      for (const e of engines) {
        const b = cli(['bench', ...e.argv, '--threads', '1', '--runs', String(runs), '--warmup', '2', '--json']);
        if (!b.ok) {
          row.err = `${e.key}: ${b.err}`;
          continue;
        }
        meds.set(e.key, [...(meds.get(e.key) ?? []), json<{ median_ms: number }>(b.out).median_ms]);
      }
    }
    for (const [k, xs] of meds) row[k as Key] = median(xs);
    if (opt('profile') === m.id) {
      const p = cli(['bench', '--engine', 'native', '--model', path.join(work, 'eq8.eqm'), '--threads', '1', '--runs', '5', '--profile', '--json']);
      fs.writeFileSync(path.join(work, 'profile.json'), p.out);
    }
    const ratio = (x?: number): string => (x && row.ort ? `${x.toFixed(2)} ms (×${(x / row.ort).toFixed(2)})` : '—');
    const cols = base ? [row.base_eq8, row.eq8, row.base_eq7, row.eq7] : [row.eq8, row.eq7];
    console.log(`| ${m.id} | ${row.ort?.toFixed(2) ?? '—'} ms | ${cols.map(ratio).join(' | ')} | ${row.err ?? ''} |`);
    rows.push(row);
  }
  const out = opt('json');
  if (out) fs.writeFileSync(out, JSON.stringify(rows, null, 2) + '\n');
}

main();
