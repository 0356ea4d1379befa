/**
 * Issue 3, acceptance 2: on the ImageNet sample images, the native engine's predictions (and
 * whole outputs) are identical to the TypeScript integer reference's — for every ISA level
 * this machine runs, each with autotuned algorithms on 2 threads.
 *
 *   node --import tsx scripts/check-native-agreement.ts --run squeezenet1.1:runs/sq-eq8/scales.json \
 *        [--run mobilenet_v1_0.25:…] [--limit 1000] [--out docs/results/native-agreement.json]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { iterateSamples } from '../src-main/io/data/dataset.js';
import { createEngine } from '../src-main/engines/eval-engines.js';
import { compileEqm } from '../src-main/core/eqm/write-eqm.js';
import { planQuantization } from '../src-main/core/quant/plan.js';
import { Runtime } from '../src-main/engines/native/native-runtime.js';
import { prepareData, prepareModel } from '../src-main/pipeline/model-setup.js';
import { loadScalesFor } from '../src-main/pipeline/quantize.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(process.env['EQ_SHARED_DIR'] ?? path.join(root, '..', 'shared'));
const argv = process.argv.slice(2);
const runsArg: string[] = [];
for (let i = 0; i < argv.length; i++) if (argv[i] === '--run') runsArg.push(argv[++i]!);
const opt = (n: string, d: string) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1]! : d);
const limit = Number(opt('limit', '1000'));
const outFile = path.resolve(root, opt('out', 'docs/results/native-agreement.json'));

function argmax(a: Float32Array): number {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[b]!) b = i;
  return b;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

const results: Record<string, unknown>[] = [];
for (const spec of runsArg) {
  const [name, scales] = spec.split(':') as [string, string];
  const p = prepareModel({ model: path.join(shared, 'models', name, 'model.onnx'), card: path.join(shared, 'models', name, 'card.json') });
  const table = loadScalesFor(p, scales);
  const ds = await prepareData(p, { data: path.join(shared, 'data', 'imagenet-sample'), limit }, (m) => process.stderr.write(`warning: ${m}\n`));
  const plan = planQuantization(p.model.graph);
  const ref = await createEngine('int-ref', p.model, plan, table);
  const eqm = compileEqm(p.model.graph, plan, table);
  const isas = Runtime.version().availableIsas.split(',');
  const sessions = isas.map((isa) => ({ isa, s: Runtime.load(eqm, { isa, threads: 2 }) }));
  const samePred: Record<string, number> = Object.fromEntries(isas.map((i) => [i, 0]));
  const sameOut: Record<string, number> = Object.fromEntries(isas.map((i) => [i, 0]));
  let n = 0;
  const t0 = Date.now();
  for await (const { data } of iterateSamples(ds)) {
    const r = (await ref.run(data, ds.inputDims))[p.outputIndex]!.data as Float32Array;
    const want = argmax(r);
    for (const { isa, s } of sessions) {
      const o = s.run(data, ds.inputDims)[p.outputIndex]!;
      if (argmax(o) === want) samePred[isa]!++;
      if (sameBits(o, r)) sameOut[isa]!++;
    }
    n++;
    if (n % 50 === 0) process.stderr.write(`${name} ${table.bits}-bit: ${n}/${ds.samples.length} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
  await ref.release();
  const row = {
    model: name,
    bits: table.bits,
    method: table.method,
    scales,
    images: n,
    identical_predictions: samePred,
    bit_identical_outputs: sameOut,
    kernels: sessions.map(({ isa, s }) => ({
      isa,
      layers: [
        ...new Set(
          s
            .profile()
            .ops.filter((o) => o.kind === 'qlinear')
            .map((o) => o.kernel),
        ),
      ],
    })),
  };
  results.push(row);
  process.stdout.write(`${JSON.stringify(row)}\n`);
}
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
