/**
 * Evaluation of one engine on a dataset. For every model: per graph output, the error of the
 * quantized output against FP32 (cosine, SQNR, max abs error), and per-layer cosine between FP32
 * and quantized pre-activation outputs (engines without per-layer taps, ort-qdq, report none).
 * Classifiers also get top-1/top-5 against labels and top-1 agreement with FP32; detectors get
 * their boxes matched to the FP32 boxes (precision/recall/F1).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Dataset } from '../io/data/dataset.js';
import type { LabelsSource } from '../io/data/labels.js';
import { iterateSamples } from '../io/data/dataset.js';
import type { LoadedModel } from '../core/graph/load.js';
import { OrtReference } from '../engines/ort-reference.js';
import type { EngineKind, InputFeed } from '../core/engine/types.js';
import { cosine } from '../core/quant/fake-quant-layer.js';
import { planQuantization } from '../core/quant/plan.js';
import type { ScaleTable } from '../core/quant/scale-table.js';
import type { ProgressSink } from '../core/calib/progress.js';
import { ProgressClock } from '../core/calib/progress.js';
import { createEngine } from '../engines/eval-engines.js';
import { DetectionCounter, MATCH_IOU } from '../core/eval/box-match.js';
import { decodeDetections, detectionDecoderFor, type DetectionSpec } from '../core/eval/detection-decode.js';
import { ClassificationStats, MeanAccumulator, topK } from '../core/eval/metrics.js';
import { OutputErrorStats, type OutputError } from '../core/eval/output-metrics.js';
import { top1WithProb, type ImagePrediction } from '../core/eval/image-flips.js';

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
  /** top-1/top-5 and argmax agreement make sense (a classification card, or labels given); default true */
  classification?: boolean;
  /** a detection card's output spec: match the quantized engine's boxes to the FP32 boxes */
  detection?: DetectionSpec;
  onProgress?: ProgressSink;
  /** record every image's top-1 (and probability) for FP32 and the engine, and its output cosine */
  perImage?: boolean;
}

/** Boxes of the quantized engine matched one-to-one to the FP32 boxes (IoU >= match_iou). */
export interface DetectionAgreement {
  scores_output: string;
  boxes_output: string;
  score_threshold: number;
  nms_iou: number;
  match_iou: number;
  /** where score_threshold and nms_iou came from */
  decode_note: string;
  reference_boxes: number;
  predicted_boxes: number;
  matched: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface EvalResult {
  engine: EngineKind;
  images: number;
  top1: number | null;
  top5: number | null;
  /** top-1 agreement with FP32; null for the FP32 engine and for non-classifiers (agreement_note says why) */
  agreement: number | null;
  agreement_note: string | null;
  /** per graph output: the quantized engine's error against FP32 (empty for the FP32 engine; outputs_note says why) */
  outputs: Record<string, OutputError>;
  outputs_note: string | null;
  /** detection cards only (null otherwise; detection_note says why when the card is a detector) */
  detection: DetectionAgreement | null;
  detection_note: string | null;
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
  /** with `perImage`: one entry per image, `index` within the evaluated dataset */
  per_image?: ImagePrediction[];
}

/** Sample i's tensors of the graph inputs after the first (a multi-input tensor dataset), or none. */
function extraInputsOf(model: LoadedModel, ds: Dataset): (i: number) => Promise<InputFeed[]> {
  const rest = model.graph.inputs.slice(1);
  if (rest.length === 0) return async () => [];
  if (!ds.tensors || ds.tensors.inputs.length !== model.graph.inputs.length) {
    throw new Error(`${ds.dir}: the model has ${model.graph.inputs.length} inputs; its data must be tensors for every input (one folder per input or an .npz per sample)`);
  }
  return async (i) => (await ds.tensors!.loadInputs(i)).slice(1).map((data, k) => ({ name: rest[k]!.name, dims: rest[k]!.dims, data }));
}

export async function evaluate(model: LoadedModel, ds: Dataset, opts: EvalOptions): Promise<EvalResult> {
  const t0 = performance.now();
  const plan = planQuantization(model.graph);
  const quantized = opts.engine !== 'fp32';
  const tableLayers = new Set(opts.table?.layers.map((l) => l.name) ?? []);
  const layers = plan.layers.filter((l) => tableLayers.has(l.name));
  const engine = await createEngine(opts.engine, model, plan, opts.table);
  const cosNote = !quantized ? null : opts.layerCosines === false ? 'not computed (--no-layer-cosine)' : !engine.taps ? `n/a: engine ${opts.engine} has no per-layer taps` : null;
  const wantCos = quantized && cosNote === null;
  const classification = opts.classification ?? true;
  const graphOuts = model.graph.outputs;
  const decoder = opts.detection ? detectionDecoderFor(opts.detection, graphOuts) : undefined;
  const detNote = !opts.detection ? null : typeof decoder === 'string' ? `boxes not compared: ${decoder}` : !quantized ? 'n/a: the FP32 engine is the reference' : null;
  const dec = quantized && typeof decoder === 'object' ? decoder : undefined;
  const det = new DetectionCounter(MATCH_IOU);
  const outErr = new OutputErrorStats();
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
  const perImage: ImagePrediction[] = [];
  try {
    const extraOf = extraInputsOf(model, ds);
    for await (const { index, sample, data } of iterateSamples(ds)) {
      const taps = new Map<string, Float32Array>();
      const extra = await extraOf(index);
      const outs = await engine.run(data, ds.inputDims, wantCos ? (name, t) => taps.set(name, t) : undefined, extra);
      const scores = outs[outIdx]!.data;
      const pred = topK(scores, 5, off);
      let refTop1: number | undefined;
      let refPick: { cls: number; prob: number } | undefined;
      let outCos: number | null = null;
      if (ref) {
        const r = await ref.run(data, ds.inputDims, extra);
        const refOuts = graphOuts.map((o, i) => r.outputs.get(o.name) ?? [...r.outputs.values()][i]!);
        refTop1 = topK(refOuts[outIdx]!.data, 1, off)[0];
        if (opts.perImage) {
          refPick = top1WithProb(refOuts[outIdx]!.data, off);
          outCos = Math.min(...graphOuts.map((_, i) => cosine(refOuts[i]!.data, outs[i]!.data)));
        }
        graphOuts.forEach((o, i) => outErr.add(o.name, refOuts[i]!.data, outs[i]!.data));
        if (dec) {
          const boxes = (ts: { data: Float32Array }[]) => {
            const si = graphOuts.findIndex((o) => o.name === dec.scoresOutput);
            const bi = graphOuts.findIndex((o) => o.name === dec.boxesOutput);
            const classes = graphOuts[si]!.dims[2]!;
            return decodeDetections(ts[si]!.data, ts[bi]!.data, classes, dec.scoreThreshold, dec.nmsIoU);
          };
          det.add(boxes(outs), boxes(refOuts));
        }
        if (wantCos) for (const l of layers) cos.add(l.name, cosine(r.captures.get(l.preAct)!.data, tapOf(taps, l.name, opts.engine)));
      }
      stats.add(pred, sample.label, refTop1);
      predictions.push(pred[0]!);
      if (opts.perImage) {
        const q = top1WithProb(scores, off);
        perImage.push({
          index,
          id: sample.id,
          label: sample.label ?? null,
          refClass: refPick?.cls ?? null,
          refProb: refPick?.prob ?? null,
          qClass: q.cls,
          qProb: q.prob,
          cosine: outCos,
        });
      }
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
  const d = det.score();
  const keepHeld = (h: ReturnType<ClassificationStats['summary']>) => (classification ? h : { ...h, agreement: null });
  return {
    engine: opts.engine,
    images: s.images,
    top1: s.top1,
    top5: s.top5,
    agreement: quantized && classification ? s.agreement : null,
    agreement_note: !quantized
      ? 'n/a: the FP32 engine is the reference'
      : classification
        ? null
        : 'not a classifier (no classification card, no labels): top-1 agreement is meaningless; see outputs',
    outputs: outErr.summary(),
    outputs_note: quantized ? null : 'n/a: the FP32 engine is the reference',
    detection: dec
      ? {
          scores_output: dec.scoresOutput,
          boxes_output: dec.boxesOutput,
          score_threshold: dec.scoreThreshold,
          nms_iou: dec.nmsIoU,
          match_iou: MATCH_IOU,
          decode_note: `threshold and NMS IoU from ${dec.source}; boxes read as x1,y1,x2,y2; class-agnostic`,
          reference_boxes: d.reference,
          predicted_boxes: d.predicted,
          matched: d.matched,
          precision: d.precision,
          recall: d.recall,
          f1: d.fscore,
        }
      : null,
    detection_note: detNote,
    mean_cosine: vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null,
    layer_cosine: layerCos,
    layer_cosine_note: cosNote,
    labels: ds.labelsFile && ds.labelsSource ? { file: ds.labelsFile, source: ds.labelsSource } : null,
    labels_note: ds.labelsSource ? null : noLabelsNote(ds),
    held_out: opts.heldOutFrom !== undefined ? keepHeld(held.summary()) : undefined,
    seconds: (performance.now() - t0) / 1000,
    predictions,
    per_image: opts.perImage ? perImage : undefined,
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
