/**
 * The LAPQ objective of scale tables on a range of images, e.g. images the tables were not
 * fitted on (how docs/results/lapq.md checks whether a lower calibration loss carries over):
 *
 *   node --import tsx scripts/lapq-loss-on.ts --model squeezenet1.1 --from 50 --to 450 [--loss kl|mse] a/scales.json b/scales.json
 *
 * --model names a folder of ../shared/models (its model.onnx and card.json); images come from
 * ../shared/data/imagenet-sample in file order, as the CLI's --calib and --held-out-from count them.
 */
import path from 'node:path';
import { argv, opt, shared } from './bench-args.js';
import { prepareData, prepareModel } from '../src-main/pipeline/model-setup.js';
import { planQuantization } from '../src-main/core/quant/plan.js';
import { lapqEvaluator } from '../src-main/engines/lapq-evaluator.js';
import { readScalesJson } from '../src-main/io/scales-json.js';
import type { LapqLoss } from '../src-main/core/calib/lapq.js';

const model = opt('model', 'squeezenet1.1');
const from = Number(opt('from', '50'));
const to = Number(opt('to', '450'));
const loss = opt('loss', 'kl') as LapqLoss;
if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to <= from) throw new Error(`--from/--to: need integers 0 <= from < to (got ${from}, ${to})`);
if (loss !== 'kl' && loss !== 'mse') throw new Error(`--loss must be kl or mse (got '${loss}')`);
const tables = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
if (tables.length === 0) throw new Error('give one or more scales.json files');

const dir = path.join(shared, 'models', model);
const req = { model: path.join(dir, 'model.onnx'), card: path.join(dir, 'card.json'), data: path.join(shared, 'data', 'imagenet-sample') };
const p = prepareModel(req);
const ds = await prepareData(p, req, (m) => process.stderr.write(`warning: ${m}\n`));
if (to > ds.samples.length) throw new Error(`--to ${to}: the data folder has ${ds.samples.length} images`);
const samples: Float32Array[] = [];
for (let i = from; i < to; i++) samples.push((await ds.load(i))!);
const ev = await lapqEvaluator(p.model, planQuantization(p.model.graph), samples, p.inputDims, loss, {
  accel: 'auto',
  threads: 0,
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
});
for (const t of tables) console.log(`${t}\t${loss} on images ${from}-${to - 1}: ${(await ev.loss(readScalesJson(t))).toFixed(5)}`);
