/**
 * `npm run bench:accuracy`: the accuracy table of issue 2 on ../shared. For each model it runs
 * FP32, then MinMax, KL, Percentile and EQ at INT8 and INT7 (50 calibration images), evaluates
 * each with the integer reference on the 1000 ImageNet sample images (also the 950 held out),
 * and for EQ also the fake-quant simulation (int-ref vs sim top-1 agreement) and the QDQ export
 * in onnxruntime. Jobs run as CLI processes, two at a time (one per core).
 *
 *   npm run bench:accuracy -- [--models squeezenet1.1,mobilenet_v1_0.25] [--limit N] [--out docs/results]
 *                             [--engine int-ref|native] [--calib-args '--steps 10'] [--jobs 2]
 *                             [--configs eq8,eq8+bc,minmax6,eq5] [--name accuracy] [--eq-extras 0]
 *
 * --configs: the calibrated rows as <method><bits>[+ar][+bc][+u] (+ar: --weight-rounding adaround,
 * +bc: --bias-correction, +u: --unsigned-activations); default the
 * table above. --name: base name of the .md/.json written. --eq-extras 0: no sim/QDQ evaluation.
 *                             [--methods minmax,kl,percentile,eq,lapq,eq+lapq] [--bits 8,7,6] (the default --configs)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { opt, root, shared } from './bench-args.js';

const models = opt('models', 'squeezenet1.1,mobilenet_v1_0.25').split(',');
const limit = opt('limit', '');
/** extra calibrate flags, e.g. --calib-args '--steps 10' for a quick smoke run */
const calibArgs = opt('calib-args', '').split(' ').filter(Boolean);
const calibArgsText = calibArgs.join(' ');
/** engine of the table rows: int-ref (the oracle) or native (bit-exact with it, ~5x faster) */
const engine = opt('engine', 'int-ref');
const outDir = path.resolve(root, opt('out', 'docs/results'));
const methods = opt('methods', 'minmax,kl,percentile,eq').split(',');
const bitsList = opt('bits', '8,7').split(',').map(Number);
const jobsN = Number(opt('jobs', String(Math.max(1, os.availableParallelism?.() ?? 2))));
const METHODS = ['minmax', 'kl', 'percentile', 'eq', 'lapq', 'eq+lapq'];
const DEFAULT_CONFIGS = bitsList.flatMap((bits) => methods.map((m) => `${m}${bits}`)).join(',');
interface Config {
  method: string;
  bits: number;
  biasCorrection: boolean;
  adaround: boolean;
  unsigned: boolean;
}
const configs: Config[] = opt('configs', DEFAULT_CONFIGS)
  .split(',')
  .map((s) => {
    const m = /^(minmax|kl|percentile|eq\+lapq|eq|lapq)([4-8])(\+ar)?(\+bc)?(\+u)?$/.exec(s.trim());
    if (!m) throw new Error(`--configs: '${s}' is not <method><bits>[+ar][+bc][+u] (method minmax, kl, percentile, eq, lapq or eq+lapq; bits 4..8), e.g. eq7+ar+bc`);
    return { method: m[1]!, bits: Number(m[2]), adaround: m[3] !== undefined, biasCorrection: m[4] !== undefined, unsigned: m[5] !== undefined };
  });
const outName = opt('name', 'accuracy');
const eqExtras = opt('eq-extras', '1') !== '0';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-bench-'));

function cli(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(root, 'bin', 'easyquant.mjs'), ...args, '--json', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`easyquant ${args.join(' ')} failed (${code}): ${err.trim().split('\n').pop()}`));
      else resolve(JSON.parse(out));
    });
  });
}

async function pool<T>(tasks: (() => Promise<T>)[], n: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

interface Row {
  model: string;
  config: string;
  method: string;
  bits: number | null;
  bias_correction?: boolean;
  weight_rounding?: string;
  unsigned_activations?: boolean;
  /** the --calib-args passed to every calibrate of the run, if any (e.g. '--rounds 2') */
  calib_args?: string;
  calib_seconds: number | null;
  top1: number;
  top5: number;
  agreement: number | null;
  mean_cosine: number | null;
  held_out_top1: number | null;
  held_out_agreement?: number;
  eval_seconds: number;
  sim_agreement?: number;
  qdq_top1?: number;
  layer_cosine?: Record<string, number>;
}

const CONFIG_NAMES: Record<string, string> = { eq: 'EQ', kl: 'KL', minmax: 'MinMax', percentile: 'Percentile', lapq: 'LAPQ', 'eq+lapq': 'EQ+LAPQ' };
const t0 = Date.now();
const rows: Row[] = [];
const log = (s: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${s}\n`);

for (const model of models) {
  const base = [
    '--model',
    path.join(shared, 'models', model, 'model.onnx'),
    '--card',
    path.join(shared, 'models', model, 'card.json'),
    '--data',
    path.join(shared, 'data', 'imagenet-sample'),
  ];
  const evalArgs = [...base, ...(limit ? ['--limit', limit] : []), '--held-out-from', '50'];
  const tasks: (() => Promise<void>)[] = [
    async () => {
      const f = await cli(['eval', ...evalArgs, '--engine', 'fp32']);
      rows.push({
        model,
        config: 'FP32',
        method: 'fp32',
        bits: null,
        calib_seconds: null,
        top1: f['top1'] as number,
        top5: f['top5'] as number,
        agreement: null,
        mean_cosine: null,
        held_out_top1: (f['held_out'] as { top1: number }).top1,
        eval_seconds: f['seconds'] as number,
      });
      log(`${model} FP32 top-1 ${f['top1']}`);
    },
    ...configs.map((c) => async () => {
      const dir = path.join(work, `${model}-${c.method}${c.bits}${c.adaround ? '-ar' : ''}${c.biasCorrection ? '-bc' : ''}${c.unsigned ? '-u' : ''}`);
      const bc = [...(c.biasCorrection ? ['--bias-correction'] : []), ...(c.adaround ? ['--weight-rounding', 'adaround'] : []), ...(c.unsigned ? ['--unsigned-activations'] : [])];
      const cal = await cli(['calibrate', ...base, '--method', c.method, '--bits', String(c.bits), '--calib', '50', ...calibArgs, ...bc, '--out', dir]);
      log(`${model} ${c.method} INT${c.bits} calibrated in ${(cal['seconds'] as number).toFixed(1)} s`);
      const scales = ['--scales', path.join(dir, 'scales.json')];
      const e = await cli(['eval', ...evalArgs, ...scales, '--engine', engine]);
      const row: Row = {
        model,
        config: `${CONFIG_NAMES[c.method] ?? c.method} INT${c.bits}${c.adaround ? ' + AdaRound' : ''}${c.biasCorrection ? ' + bias corr.' : ''}${c.unsigned ? ' + unsigned act.' : ''}`,
        method: c.method,
        bits: c.bits,
        ...(c.biasCorrection ? { bias_correction: true } : {}),
        ...(c.adaround ? { weight_rounding: 'adaround' } : {}),
        ...(c.unsigned ? { unsigned_activations: true } : {}),
        ...(calibArgsText ? { calib_args: calibArgsText } : {}),
        calib_seconds: cal['seconds'] as number,
        top1: e['top1'] as number,
        top5: e['top5'] as number,
        agreement: e['agreement'] as number,
        mean_cosine: e['mean_cosine'] as number,
        held_out_top1: (e['held_out'] as { top1: number }).top1,
        held_out_agreement: (e['held_out'] as { agreement: number }).agreement,
        eval_seconds: e['seconds'] as number,
        layer_cosine: e['layer_cosine'] as Record<string, number>,
      };
      if (c.method === 'eq' && eqExtras) {
        const s = await cli(['eval', ...evalArgs, ...scales, '--engine', 'sim', '--no-layer-cosine']);
        const a = e['predictions'] as number[];
        const b = s['predictions'] as number[];
        row.sim_agreement = a.filter((v, i) => v === b[i]).length / a.length;
        const q = await cli(['eval', ...evalArgs, ...scales, '--engine', 'ort-qdq', '--no-layer-cosine']);
        row.qdq_top1 = q['top1'] as number;
      }
      rows.push(row);
      log(`${model} ${row.config}: top-1 ${row.top1} mean cos ${row.mean_cosine}`);
    }),
  ];
  await pool(tasks, jobsN);
}

const order = (r: Row) =>
  models.indexOf(r.model) * 100 +
  (r.bits === null ? 0 : (9 - r.bits) * 10) +
  ['fp32', ...METHODS].indexOf(r.method) +
  (r.bias_correction ? 0.5 : 0) +
  (r.unsigned_activations ? 0.25 : 0);
rows.sort((a, b) => order(a) - order(b));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : (x * 100).toFixed(1));
let md = `<!-- written by npm run bench:accuracy on ${new Date().toISOString()} (${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores) -->\n`;
for (const model of models) {
  md += `\n### ${model} (ImageNet sample, ${limit || 1000} images; 50 calibration images${calibArgsText ? `; calibrate ${calibArgsText}` : ''})\n\n`;
  md += '| config | top-1 | top-5 | agreement with FP32 | mean layer cosine | held-out top-1 (950) | calibration time (s) |\n|---|---|---|---|---|---|---|\n';
  for (const r of rows.filter((x) => x.model === model)) {
    md += `| ${r.config} | ${pct(r.top1)} | ${pct(r.top5)} | ${pct(r.agreement)} | ${r.mean_cosine === null ? '–' : r.mean_cosine.toFixed(4)} | ${pct(r.held_out_top1)} | ${r.calib_seconds === null ? '–' : r.calib_seconds.toFixed(1)} |\n`;
  }
  const eqs = rows.filter((x) => x.model === model && x.method === 'eq' && x.sim_agreement !== undefined);
  for (const r of eqs)
    md += `\n${r.config}: integer reference vs fake-quant simulation top-1 agreement ${pct(r.sim_agreement)}%; QDQ export in onnxruntime top-1 ${pct(r.qdq_top1)} (integer reference ${pct(r.top1)}).`;
  md += '\n';
}
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, `${outName}.json`), JSON.stringify(rows, null, 1));
fs.writeFileSync(path.join(outDir, `${outName}.md`), md);
process.stdout.write(md);
fs.rmSync(work, { recursive: true, force: true });
