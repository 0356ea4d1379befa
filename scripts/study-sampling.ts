/**
 * Does scoring EQ on a uniform sample of output positions change the result? Runs EQ twice,
 * sampled (the default, 64 positions per image) and on all positions, then evaluates the EQ
 * objective of both scale tables on all positions (per-layer cosine of the fake-quant network
 * on the calibration images) and reports whether the scales are equal and the largest
 * per-layer objective difference.
 *
 *   node --import tsx scripts/study-sampling.ts --model mnist [--calib 50] [--steps 100] [--positions 64]
 */
import path from 'node:path';
import { calibrate } from '../src-main/pipeline/calib/calibrate.js';
import { DEFAULT_SETTINGS } from '../src-main/core/calib/settings.js';
import { cardToSpec, readCard } from '../src-main/io/data/card.js';
import { firstN, openDataset, takeValid } from '../src-main/io/data/dataset.js';
import { evaluate } from '../src-main/pipeline/evaluate.js';
import { loadModel } from '../src-main/io/model-file.js';

const argv = process.argv.slice(2);
const opt = (n: string, d: string) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1]! : d);
const name = opt('model', 'mnist');
const calibN = Number(opt('calib', '50'));
const steps = Number(opt('steps', '100'));
const positions = Number(opt('positions', '64'));
const bits = Number(opt('bits', '8'));
const shared = path.resolve(process.env['EQ_SHARED_DIR'] ?? path.join(import.meta.dirname, '..', '..', 'shared'));
const card = readCard(path.join(shared, 'models', name, 'card.json'));
const model = loadModel(path.join(shared, 'models', name, 'model.onnx'), {
  inputShapes: { [loadModel(path.join(shared, 'models', name, 'model.onnx')).graph.inputs[0]!.name]: card.input.shape },
});
const dims = model.graph.inputs[0]!.dims;
const dataDir = path.join(shared, 'data', name === 'mnist' ? 'mnist' : 'imagenet-sample');
const ds = await openDataset(dataDir, { spec: name === 'mnist' ? undefined : cardToSpec(card), inputDims: dims, limit: calibN });
const { indices } = await takeValid(ds, calibN, () => {});
const samples: Float32Array[] = [];
for (const i of indices) samples.push((await ds.load(i))!);

const run = async (p: number) => calibrate(model, samples, dims, { ...DEFAULT_SETTINGS, bits, steps, samplePositions: p });
const sampled = await run(positions);
const full = await run(0);
const objective = async (t: typeof sampled.table) => (await evaluate(model, firstN(ds, calibN), { engine: 'sim', table: t, outputIndex: 0 })).layer_cosine;
const oS = await objective(sampled.table);
const oF = await objective(full.table);
let equalLayers = 0;
let maxDiff = 0;
let worst = '';
for (const l of sampled.table.layers) {
  const f = full.table.layers.find((x) => x.name === l.name)!;
  if (JSON.stringify([l.inputScale, l.weightScales]) === JSON.stringify([f.inputScale, f.weightScales])) equalLayers++;
  const d = oF[l.name]! - oS[l.name]!;
  if (Math.abs(d) > Math.abs(maxDiff)) {
    maxDiff = d;
    worst = l.name;
  }
}
const meanS = Object.values(oS).reduce((a, b) => a + b, 0) / Object.keys(oS).length;
const meanF = Object.values(oF).reduce((a, b) => a + b, 0) / Object.keys(oF).length;
const result = {
  model: name,
  bits,
  calibration_images: samples.length,
  steps,
  sampled_positions: positions,
  layers: sampled.table.layers.length,
  layers_with_identical_scales: equalLayers,
  max_layer_objective_difference_full_minus_sampled: maxDiff,
  at_layer: worst,
  mean_objective_sampled: meanS,
  mean_objective_full: meanF,
  seconds_sampled: sampled.seconds,
  seconds_full: full.seconds,
};
process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
