/**
 * Native INT8/INT7 vs onnxruntime FP32 latency at 1 thread for zoo models, without the rest of
 * bench-zoo: calibrates once per model (cached under --work), recompiles every run (so a compiler
 * change shows), then times the engines interleaved (median of round medians, like bench-zoo).
 *
 *   node --import tsx scripts/zoo/zoo-speed.ts [--only id1,id2] [--work .eq-cache/zoospeed]
 *        [--rounds 3] [--runs 10] [--profile id] [--json out.json]
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

function cli(argv: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/easyquant.mjs'), ...argv], { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20 });
  const err = `${r.stderr}`.split('\n').find((l) => l.startsWith('easyquant: error:')) ?? `${r.stderr}`.trim().split('\n').pop() ?? '';
  return { ok: r.status === 0, out: r.stdout, err: err.replace(/^easyquant: error: /, '') };
}
const json = <T>(out: string): T => JSON.parse(out.slice(out.indexOf('{'))) as T;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

interface Row {
  id: string;
  ort?: number;
  eq8?: number;
  eq7?: number;
  err?: string;
}

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
  for (const bits of [8, 7]) {
    const out = path.join(work, `eq${bits}`);
    const scales = path.join(out, 'scales.json');
    if (!fs.existsSync(scales)) {
      const c = cli(['calibrate', '--model', file, ...dataArgs, '--method', 'eq', '--bits', String(bits), '--calib', '2', '--steps', '4', '--out', out, '--json', '--quiet']);
      if (!c.ok) return { engines, err: `calibrate eq${bits}: ${c.err}` };
    }
    const eqm = path.join(work, `eq${bits}.eqm`);
    const comp = cli(['compile', '--model', file, '--scales', scales, ...(cardArgs.length ? cardArgs : shapeArgs), '--out', eqm, '--json']);
    if (!comp.ok) return { engines, err: `compile eq${bits}: ${comp.err}` };
    engines.push({ key: `eq${bits}`, argv: ['--engine', 'native', '--model', eqm] });
  }
  return { engines };
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
    for (const [k, xs] of meds) row[k as 'ort' | 'eq8' | 'eq7'] = median(xs);
    if (opt('profile') === m.id) {
      const p = cli(['bench', '--engine', 'native', '--model', path.join(work, 'eq8.eqm'), '--threads', '1', '--runs', '5', '--profile', '--json']);
      fs.writeFileSync(path.join(work, 'profile.json'), p.out);
    }
    const ratio = (x?: number): string => (x && row.ort ? `${x.toFixed(2)} ms (×${(x / row.ort).toFixed(2)})` : '—');
    console.log(`| ${m.id} | ${row.ort?.toFixed(2) ?? '—'} ms | ${ratio(row.eq8)} | ${ratio(row.eq7)} | ${row.err ?? ''} |`);
    rows.push(row);
  }
  const out = opt('json');
  if (out) fs.writeFileSync(out, JSON.stringify(rows, null, 2) + '\n');
}

main();
