/**
 * `npm run bench:zoo`: every cached zoo model end to end through the CLI (one subprocess per step):
 * inspect; calibrate EQ INT8 and INT7 (a few inputs, a short search); eval vs FP32 (per-output
 * cosine / SQNR, agreement for a classifier) on the native runtime, or on the integer reference
 * where the native runtime refuses the model; compile to EQM;
 * latency of the native INT8/INT7 runtime vs onnxruntime FP32 at 1 thread (interleaved rounds,
 * median of the round medians); the QDQ export evaluated in onnxruntime. Every step's status is
 * kept (ok, or its one-line error), never hidden. Writes docs/results/zoo-bench.{md,json}.
 *
 *   node --import tsx scripts/zoo/bench-zoo.ts [--only id1,id2] [--out DIR] [--calib 4] [--steps 20]
 *        [--eval 4] [--rounds 3] [--runs 5] [--timeout 900]
 *   node --import tsx scripts/zoo/bench-zoo.ts --merge a.json,b.json [--out DIR]
 *        (no run: one table from the zoo-bench.json of runs over parts of the zoo; later files win)
 *   env EQ_ZOO_DIR: the cache fetch-zoo.mjs filled (default .eq-cache/zoo)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tfliteToOnnxBytes } from '../../src-main/core/tflite/import.js';
import { readModelFile } from '../../src-main/io/model-file.js';
import { optional as opt, positiveNum } from '../bench-args.js';
import { benchShape, imageLayout, writeImageCard, writeRandomTensors, type ZooModel } from './bench-inputs.js';
import { calibrateStep, renderMarkdown, type Meta, type ModelResult, type Step } from './bench-report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const IMAGENET = path.resolve(root, '../shared/data/imagenet-sample');
const cfg = {
  calib: positiveNum('calib', 4),
  steps: positiveNum('steps', 20),
  evalN: positiveNum('eval', 4),
  rounds: positiveNum('rounds', 3),
  runs: positiveNum('runs', 5),
  timeoutS: positiveNum('timeout', 900),
};

interface Run {
  ok: boolean;
  out: string;
  err: string;
  ms: number;
}

function cli(argv: string[]): Run {
  const t = Date.now();
  const r = spawnSync(process.execPath, [path.join(root, 'bin/easyquant.mjs'), ...argv], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: cfg.timeoutS * 1000,
  });
  const ms = Date.now() - t;
  if (r.error) return { ok: false, out: '', err: (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `timeout after ${cfg.timeoutS} s` : r.error.message, ms };
  if (r.status !== 0) {
    const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim());
    const line = lines.find((l) => l.startsWith('easyquant: error:')) ?? lines.filter(Boolean).pop() ?? `exit code ${r.status}`;
    return { ok: false, out: r.stdout, err: line.replace(/^easyquant: error: /, ''), ms };
  }
  return { ok: true, out: r.stdout, err: '', ms };
}

/** The last stdout line that parses as a JSON object. */
function json<T>(out: string): T {
  const start = out.indexOf('\n{') + 1; // past any log line; the object may span lines
  const text = out.startsWith('{') ? out : out.slice(start);
  if (!text.trim().startsWith('{')) throw new Error('no JSON on stdout');
  return JSON.parse(text) as T;
}

const skipped = (why: string): Step => ({ status: 'skipped', detail: why });
const failed = (r: Run, dir: string): Step => ({ status: 'fail', detail: r.err.replaceAll(dir + path.sep, '') });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

interface EvalJson {
  agreement: number | null;
  outputs: Record<string, { cosine_mean: number; sqnr_db: number }>;
}

function evalStep(r: Run, dir: string, classifier: boolean): Step {
  if (!r.ok) return failed(r, dir);
  const j = json<EvalJson>(r.out);
  const outs = Object.values(j.outputs);
  const cos = Math.min(...outs.map((o) => o.cosine_mean));
  const sqnr = Math.min(...outs.map((o) => o.sqnr_db));
  return { status: 'ok', detail: '', cosine: cos, sqnr_db: sqnr, agreement: classifier ? j.agreement : null };
}

/**
 * Eval of the quantized model vs FP32: on the native runtime (bit-exact with the integer
 * reference, and fast enough for 1024x1024 nets), on the integer reference where the native
 * runtime refuses the model. The detail says which engine gave the figures.
 */
function evalQuantized(file: string, dataArgs: string[], scales: string, classifier: boolean): Step {
  const args = (engine: string) => [
    'eval',
    '--model',
    file,
    ...dataArgs,
    '--scales',
    scales,
    '--engine',
    engine,
    '--limit',
    String(cfg.evalN),
    '--no-layer-cosine',
    '--json',
    '--quiet',
  ];
  const native = evalStep(cli(args('native')), path.dirname(file), classifier);
  if (native.status === 'ok') return { ...native, detail: 'native' };
  const ref = evalStep(cli(args('int-ref')), path.dirname(file), classifier);
  return ref.status === 'ok' ? { ...ref, detail: `int-ref (native: ${native.detail})` } : ref;
}

function benchModel(m: ZooModel, file: string, work: string): ModelResult {
  const res: ModelResult = { id: m.id, task: m.task, format: m.format, pkg: `${m.package}@${m.version}`, steps: {} };
  const S = res.steps;
  const shape = benchShape(m);
  const shapeArgs = shape ? ['--input-shape', shape.join(',')] : [];

  const ins = cli(['inspect', '--model', file, ...shapeArgs, '--json']);
  if (!ins.ok) S['inspect'] = failed(ins, path.dirname(file));
  else {
    const j = json<{ macs: number; quantizedLayers: number; outputs: { dims: number[] }[] }>(ins.out);
    S['inspect'] = { status: 'ok', detail: `${(j.macs / 1e6).toFixed(1)} M MACs, ${j.quantizedLayers} quantized layers` };
    res.classes = j.outputs[0]?.dims.at(-1);
  }

  // inputs: photos through a card for image models, random tensors otherwise
  const img = imageLayout(m, shape);
  let dataArgs: string[];
  let cardArgs: string[] = [];
  if (img && shape) {
    const card = path.join(work, 'card.json');
    writeImageCard(m, shape, img, card, res.classes);
    cardArgs = ['--card', card];
    dataArgs = ['--data', IMAGENET, ...cardArgs];
    res.inputs = `ImageNet sample, ${img.layout} ${img.w}x${img.h}`;
  } else if (shape) {
    const dir = path.join(work, 'tensors');
    writeRandomTensors(dir, shape, Math.max(cfg.calib, cfg.evalN));
    dataArgs = ['--data', dir, ...shapeArgs];
    res.inputs = `random .npy [${shape.join(',')}]`;
  } else {
    res.inputs = 'dynamic input, no bench shape';
    for (const k of ['eq8', 'eq7']) S[`calibrate_${k}`] = skipped('no static input shape');
    return res;
  }

  const isClassifier = m.task === 'classification';
  for (const bits of [8, 7] as const) {
    const k = `eq${bits}`;
    const out = path.join(work, k);
    const cal = cli([
      'calibrate',
      '--model',
      file,
      ...dataArgs,
      '--method',
      'eq',
      '--bits',
      String(bits),
      '--calib',
      String(cfg.calib),
      '--steps',
      String(cfg.steps),
      '--out',
      out,
      '--json',
      '--quiet',
    ]);
    S[`calibrate_${k}`] = calibrateStep(cal, (e) => e.replaceAll(path.dirname(file) + path.sep, ''));
    if (!cal.ok) continue;
    const scales = path.join(out, 'scales.json');
    S[`eval_${k}`] = evalQuantized(file, dataArgs, scales, isClassifier);
    const eqm = path.join(work, `${k}.eqm`);
    const comp = cli(['compile', '--model', file, '--scales', scales, ...(cardArgs.length ? cardArgs : shapeArgs), '--out', eqm, '--json']);
    S[`compile_${k}`] = comp.ok ? { status: 'ok', detail: '' } : failed(comp, path.dirname(file));
    if (bits === 8) {
      const qdq = path.join(out, 'model_qdq.onnx');
      S['qdq_ort'] = fs.existsSync(qdq)
        ? evalStep(
            cli([
              'eval',
              '--model',
              file,
              ...dataArgs,
              '--scales',
              scales,
              '--engine',
              'ort-qdq',
              '--limit',
              String(Math.min(2, cfg.evalN)),
              '--no-layer-cosine',
              '--json',
              '--quiet',
            ]),
            path.dirname(file),
            isClassifier,
          )
        : { status: 'fail', detail: 'calibrate wrote no model_qdq.onnx' };
    }
  }
  latency(m, file, work, cardArgs, res);
  return res;
}

/** Native EQM (INT8, INT7) and onnxruntime FP32 at 1 thread, interleaved in rounds. */
function latency(m: ZooModel, file: string, work: string, cardArgs: string[], res: ModelResult): void {
  const S = res.steps;
  // onnxruntime reads ONNX only: a TFLite or TF.js model goes in as the ONNX the tool converts it to
  let ortModel = file;
  if (m.format === 'tflite' || m.format === 'tfjs') {
    ortModel = path.join(work, `${m.id}.onnx`);
    fs.writeFileSync(ortModel, m.format === 'tflite' ? tfliteToOnnxBytes(fs.readFileSync(file), file) : readModelFile(file));
  }
  const engines: { key: string; argv: string[] }[] = [{ key: 'ort_fp32', argv: ['--engine', 'ort-fp32', '--model', ortModel, ...cardArgs] }];
  for (const k of ['eq8', 'eq7']) {
    if (S[`compile_${k}`]?.status === 'ok') engines.push({ key: `native_${k}`, argv: ['--engine', 'native', '--model', path.join(work, `${k}.eqm`)] });
    else S[`latency_native_${k}`] = skipped(`compile_${k} not ok`);
  }
  const medians = new Map<string, number[]>();
  for (let r = 0; r < cfg.rounds; r++) {
    for (const e of engines) {
      if (S[`latency_${e.key}`]?.status === 'fail') continue;
      const b = cli(['bench', ...e.argv, '--threads', '1', '--runs', String(cfg.runs), '--warmup', '2', '--json']);
      if (!b.ok) {
        S[`latency_${e.key}`] = failed(b, path.dirname(file));
        continue;
      }
      medians.set(e.key, [...(medians.get(e.key) ?? []), json<{ median_ms: number }>(b.out).median_ms]);
    }
  }
  for (const [key, xs] of medians) S[`latency_${key}`] = { status: 'ok', detail: '', ms: median(xs) };
  const ort = S['latency_ort_fp32']?.ms;
  for (const k of ['eq8', 'eq7']) {
    const nat = S[`latency_native_${k}`];
    if (ort && nat?.ms) nat.ratio = nat.ms / ort;
  }
}

/** Results in zoo order; a model the run has not reached yet gets a row saying so. */
function write(outDir: string, models: ZooModel[], done: ModelResult[], config: Record<string, number> = cfg, parts?: Meta['parts']): void {
  const results = models.map(
    (m) =>
      done.find((r) => r.id === m.id) ?? {
        id: m.id,
        task: m.task,
        format: m.format,
        pkg: `${m.package}@${m.version}`,
        steps: { inspect: { status: 'skipped' as const, detail: 'not reached (the run stopped before this model)' } },
      },
  );
  const meta = {
    date: new Date().toISOString(),
    host: `${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, load ${os.loadavg()[0]!.toFixed(1)}`,
    config,
    seconds: done.reduce((a, r) => a + (r.seconds ?? 0), 0),
    ...(parts ? { parts } : {}),
  };
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'zoo-bench.json'), JSON.stringify({ meta, results }, null, 2) + '\n');
  fs.writeFileSync(path.join(outDir, 'zoo-bench.md'), renderMarkdown(meta, results));
}

function main(): void {
  const dir = path.resolve(process.env['EQ_ZOO_DIR'] ?? path.join(root, '.eq-cache/zoo'));
  const outDir = path.resolve(root, opt('out') ?? 'docs/results');
  const only = opt('only')?.split(',');
  const zoo = (JSON.parse(fs.readFileSync(path.join(here, 'zoo.json'), 'utf8')) as { models: ZooModel[] }).models;
  const models = only ? zoo.filter((m) => only.includes(m.id)) : zoo;
  if (only && models.length !== only.length) throw new Error(`unknown zoo id in --only ${only.join(',')}`);
  const results: ModelResult[] = [];
  const t0 = Date.now();
  const merge = opt('merge');
  if (merge) {
    let config: Record<string, number> = cfg;
    const parts: NonNullable<Meta['parts']> = [];
    for (const f of merge.split(',')) {
      const part = JSON.parse(fs.readFileSync(f, 'utf8')) as { meta: Meta; results: ModelResult[] };
      config = part.meta.config; // the runs being merged share their settings
      const measured = part.results.filter((x) => x.seconds !== undefined);
      for (const r of measured) {
        const i = results.findIndex((x) => x.id === r.id);
        if (i >= 0) results[i] = r;
        else results.push(r);
      }
      // a merged table brings its own runs; a model measured again leaves the older run
      const ids = new Set(measured.map((r) => r.id));
      for (const p of parts) p.ids = p.ids.filter((id) => !ids.has(id));
      parts.push(...(part.meta.parts ?? [{ date: part.meta.date, host: part.meta.host, seconds: part.meta.seconds, ids: [...ids] }]));
    }
    const runs = parts.filter((p) => p.ids.length > 0);
    write(outDir, models, results, config, runs.length > 0 ? runs : undefined);
    console.log(`merged ${results.length} model(s) into ${path.relative(root, outDir)}/zoo-bench.{md,json}`);
    return;
  }
  // smallest files first, so a run cut short has measured as many models as it could
  for (const m of [...models].sort((a, b) => a.bytes - b.bytes)) {
    const file = path.join(dir, `${m.id}.${m.format}`);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `eq-zoo-${m.id}-`));
    const t = Date.now();
    try {
      const r = fs.existsSync(file)
        ? benchModel(m, file, work)
        : {
            id: m.id,
            task: m.task,
            format: m.format,
            pkg: `${m.package}@${m.version}`,
            steps: { inspect: { status: 'fail' as const, detail: `not fetched: ${file} (npm run zoo:fetch)` } },
          };
      r.seconds = Math.round((Date.now() - t) / 1000);
      results.push(r);
      const bad = Object.entries(r.steps)
        .filter(([, s]) => s.status !== 'ok')
        .map(([k]) => k);
      console.log(`${m.id.padEnd(26)} ${r.seconds} s  ${bad.length ? `not ok: ${bad.join(', ')}` : 'all ok'}`);
      write(outDir, models, results); // after every model: a long run that stops early keeps what it measured
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  console.log(`wrote ${path.relative(root, outDir)}/zoo-bench.{md,json} (${Math.round((Date.now() - t0) / 1000)} s)`);
}

main();
