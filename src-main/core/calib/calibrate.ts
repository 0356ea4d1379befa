/** Top-level calibration: FP32 capture, sequential group-by-group scale decisions, scale table. */
import type { LoadedModel } from '../graph/load.js';
import { assignTensorScales, tensorsToMeasure } from '../quant/assign-scales.js';
import { planQuantization, type QuantPlan } from '../quant/plan.js';
import { qmaxForBits, type ScaleTable } from '../quant/scale-table.js';
import type { Calibrator } from './calibrator.js';
import { captureReference } from './capture.js';
import { eqCalibrator } from './eq.js';
import { klCalibrator } from './kl.js';
import { minMaxCalibrator } from './minmax.js';
import { percentileCalibrator } from './percentile.js';
import type { ProgressSink } from './progress.js';
import { runSequential } from './sequential.js';
import { type CalibSettings, validateSettings } from './settings.js';

export const CALIBRATORS: Record<CalibSettings['method'], Calibrator> = {
  eq: eqCalibrator,
  minmax: minMaxCalibrator,
  kl: klCalibrator,
  percentile: percentileCalibrator,
};

export interface CalibrationResult {
  table: ScaleTable;
  plan: QuantPlan;
  seconds: number;
  /** per group: objective before/after (EQ) */
  groups: { name: string; cosBefore?: number; cosAfter?: number }[];
}

export async function calibrate(
  model: LoadedModel,
  samples: Float32Array[],
  inputDims: number[],
  settings: CalibSettings,
  opts: { onProgress?: ProgressSink; shouldStop?: () => boolean } = {},
): Promise<CalibrationResult> {
  validateSettings(settings);
  if (samples.length === 0) throw new Error('no calibration images');
  const t0 = performance.now();
  const qmax = qmaxForBits(settings.bits);
  const plan = planQuantization(model.graph);
  if (plan.layers.length === 0) throw new Error(`${model.file}: no quantizable layer (Conv/Gemm/MatMul with constant weights) found`);
  const layerOutputs = new Set(plan.layers.map((l) => l.output));
  const extra = tensorsToMeasure(model.graph, plan.groups.map((g) => g.input), layerOutputs);
  const capture = await captureReference(model, plan, samples, inputDims, settings.samplePositions, opts.onProgress, extra);
  try {
    const seq = runSequential(model, plan, samples, inputDims, capture, CALIBRATORS[settings.method], settings, qmax, opts.onProgress, opts.shouldStop);
    const layerInputs = new Map<string, number>();
    for (const g of plan.groups) layerInputs.set(g.input, Math.fround(seq.decisions.get(g.input)!.aScale));
    const table: ScaleTable = {
      bits: settings.bits,
      qmax,
      method: settings.method,
      modelSha256: model.sha256,
      modelFile: model.file.split(/[\\/]/).pop() ?? model.file,
      layers: plan.layers.map((l) => {
        const g = plan.groups.find((x) => x.layers.includes(l))!;
        const d = seq.decisions.get(g.input)!;
        return {
          name: l.name,
          op: l.op,
          input: l.input,
          output: l.output,
          weight: l.weight,
          weightScales: Array.from(d.wScales.get(l.name)!, (v) => Math.fround(v)),
          inputScale: Math.fround(d.aScale),
          cosine: seq.layerCosine.get(l.name),
        };
      }),
      tensors: assignTensorScales(model.graph, layerInputs, layerOutputs, capture.maxAbs, qmax),
      settings: { ...settings, calibrationImages: samples.length },
      createdAt: new Date().toISOString(),
    };
    const groups = plan.groups.map((g) => {
      const d = seq.decisions.get(g.input)!;
      return { name: g.layers.map((l) => l.name).join('+'), cosBefore: d.cosBefore, cosAfter: d.cosAfter };
    });
    return { table, plan, seconds: (performance.now() - t0) / 1000, groups };
  } finally {
    capture.dispose();
  }
}
