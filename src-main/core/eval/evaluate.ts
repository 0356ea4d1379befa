/**
 * Evaluation of one engine on a dataset: top-1/top-5 against labels, top-1 agreement with the
 * FP32 reference, and per-layer cosine between FP32 and quantized pre-activation outputs.
 * Without labels only agreement and cosines are reported; engines without per-layer taps
 * (ort-qdq) report no per-layer cosine.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Dataset } from '../data/dataset.js';
import type { LabelsSource } from '../data/labels.js';
import { iterateSamples } from '../data/dataset.js';
import type { LoadedModel } from '../graph/load.js';
import { OrtReference } from '../engine/ort-reference.js';
import type { EngineKind } from '../engine/types.js';
import { cosine } from '../quant/fake-quant-layer.js';
import { planQuantization } from '../quant/plan.js';
import type { ScaleTable } from '../quant/scale-table.js';
import type { ProgressSink } from '../calib/progress.js';
import { ProgressClock } from '../calib/progress.js';
import { createEngine } from './engines.js';
import { ClassificationStats, MeanAccumulator, topK } from './metrics.js';

export interface EvalOptions {
  engine: EngineKind;
  table?: ScaleTable;
  /** which graph output holds the class scores, and the index of class 0 in it */
  outputIndex?: number;
  labelOffset?: number;
  /** compute per-layer cosines (needs the FP32 reference with captures) */
  layerCosines?: boolean;
  /** images counted as the held-out subset start at this index (calibration images come first) */
  heldOutFrom?: number;
  onProgress?: ProgressSink;
}

export interface EvalResult {
  engine: EngineKind;
  images: number;
  top1: number | null;
  top5: number | null;
  agreement: number | null;
  mean_cosine: number | null;
  /** empty when not computed; layer_cosine_note then says why */
  layer_cosine: Record<string, number>;
  layer_cosine_note: string | null;
  /** the labels top-1/top-5 are scored against; null = no labels (labels_note says so) */
  labels: { file: string; source: LabelsSource } | null;
  labels_note: string | null;
  held_out?: { images: number; top1: number | null; top5: number | null; agreement: number | null };
  seconds: number;
  /** top-1 class per image, in dataset order (for engine-vs-engine agreement) */
  predictions: number[];
}

export async function evaluate(model: LoadedModel, ds: Dataset, opts: EvalOptions): Promise<EvalResult> {
  const t0 = performance.now();
  const plan = planQuantization(model.graph);
  const quantized = opts.engine !== 'fp32';
  const tableLayers = new Set(opts.table?.layers.map((l) => l.name) ?? []);
  const layers = plan.layers.filter((l) => tableLayers.has(l.name));
  const engine = await createEngine(opts.engine, model, plan, opts.table);
  const cosNote = !quantized
    ? null
    : opts.layerCosines === false
      ? 'not computed (--no-layer-cosine)'
      : !engine.taps
        ? `n/a: engine ${opts.engine} has no per-layer taps`
        : null;
  const wantCos = quantized && cosNote === null;
  let ref: OrtReference | undefined;
  try {
    ref = quantized ? await OrtReference.create(model.bytes, wantCos ? layers.map((l) => l.preAct) : []) : undefined;
  } catch (e) {
    await engine.release();
    throw e;
  }
  const stats = new ClassificationStats();
  const held = new ClassificationStats();
  const cos = new MeanAccumulator();
  const outIdx = opts.outputIndex ?? 0;
  const off = opts.labelOffset ?? 0;
  const clock = new ProgressClock();
  const predictions: number[] = [];
  try {
    for await (const { index, sample, data } of iterateSamples(ds)) {
      const taps = new Map<string, Float32Array>();
      const outs = await engine.run(data, ds.inputDims, wantCos ? (name, t) => taps.set(name, t) : undefined);
      const scores = outs[outIdx]!.data;
      const pred = topK(scores, 5, off);
      let refTop1: number | undefined;
      if (ref) {
        const r = await ref.run(data, ds.inputDims);
        refTop1 = topK([...r.outputs.values()][outIdx]!.data, 1, off)[0];
        if (wantCos) for (const l of layers) cos.add(l.name, cosine(r.captures.get(l.preAct)!.data, tapOf(taps, l.name, opts.engine)));
      }
      stats.add(pred, sample.label, refTop1);
      predictions.push(pred[0]!);
      if (opts.heldOutFrom !== undefined && index >= opts.heldOutFrom) held.add(pred, sample.label, refTop1);
      opts.onProgress?.(clock.event({ stage: 'evaluate', index: stats.images, total: ds.samples.length, name: sample.id }));
    }
  } finally {
    await engine.release();
    await ref?.release();
  }
  const s = stats.summary();
  const layerCos = cos.means();
  const vals = Object.values(layerCos);
  return {
    engine: opts.engine,
    images: s.images,
    top1: s.top1,
    top5: s.top5,
    agreement: quantized ? s.agreement : null,
    mean_cosine: vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null,
    layer_cosine: layerCos,
    layer_cosine_note: cosNote,
    labels: ds.labelsFile && ds.labelsSource ? { file: ds.labelsFile, source: ds.labelsSource } : null,
    labels_note: ds.labelsSource ? null : noLabelsNote(ds),
    held_out: opts.heldOutFrom !== undefined ? held.summary() : undefined,
    seconds: (performance.now() - t0) / 1000,
    predictions,
  };
}

function tapOf(taps: Map<string, Float32Array>, layer: string, engine: EngineKind): Float32Array {
  const t = taps.get(layer);
  if (!t) throw new Error(`engine ${engine} reported no per-layer output for layer '${layer}' (per-layer cosine)`);
  return t;
}

function noLabelsNote(ds: Dataset): string {
  const folder = path.join(ds.dir, 'labels.tsv');
  const ignored = fs.existsSync(folder) ? `; ${folder} is used only for a classification card` : '';
  return `no labels given: top-1/top-5 not computed (pass --labels FILE${ignored})`;
}
