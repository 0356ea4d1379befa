/** Top-level calibration: FP32 capture, sequential group-by-group scale decisions, scale table. */
import type { LoadedModel } from '../../core/graph/load.js';
import { assignTensorScales, tensorsToMeasure } from '../../core/quant/assign-scales.js';
import { unsignedTensors } from '../../core/quant/unsigned-acts.js';
import { findLutChains } from '../../core/engine/lut-activations.js';
import { planQuantization, type QuantPlan } from '../../core/quant/plan.js';
import { qmaxForBits, type ScaleTable } from '../../core/quant/scale-table.js';
import { checkLayerPrecision, fp32Layers, groupBits, type LayerPrecisionMap } from '../../core/quant/layer-precision.js';
import { type Calibrator, DEAD_WEIGHT_MAX, deadChannels } from '../../core/calib/calibrator.js';
import { captureReference } from '../../engines/capture.js';
import { eqCalibrator } from '../../core/calib/eq.js';
import { klCalibrator } from '../../core/calib/kl.js';
import { minMaxCalibrator } from '../../core/calib/minmax.js';
import { percentileCalibrator } from '../../core/calib/percentile.js';
import type { ProgressSink } from '../../core/calib/progress.js';
import type { ExtraInput } from '../../core/calib/capture-types.js';
import { runSequential } from './sequential.js';
import { EXECUTION_SETTINGS, type CalibSettings, validateSettings } from '../../core/calib/settings.js';
import { nativeBackend } from '../../engines/native/eq-native.js';
import { removeCheckpoint } from '../../io/checkpoint.js';
import { loadCalibAddon, type NativeCalibAddon } from '../../engines/native/native-calib.js';
import { calibrateLapq, isLapqMethod } from './lapq.js';
import type { CalibrationResult } from './calib-result.js';

export type { CalibrationResult };

/** Per-layer calibrators (LAPQ is a joint search on top of one of them: lapq.ts). */
export const CALIBRATORS: Record<Exclude<CalibSettings['method'], 'lapq' | 'eq+lapq'>, Calibrator> = {
  eq: eqCalibrator,
  minmax: minMaxCalibrator,
  kl: klCalibrator,
  percentile: percentileCalibrator,
};

/** The native addon when --accel asks for it (or auto finds it); undefined: TypeScript reference. */
function pickAccel(settings: CalibSettings, warn: (m: string) => void): NativeCalibAddon | undefined {
  if (settings.accel === 'ts') return undefined;
  try {
    return loadCalibAddon();
  } catch (e) {
    if (settings.accel === 'native') throw e;
    if (settings.method === 'eq') warn(`${(e as Error).message}; using the TypeScript reference search`);
    return undefined;
  }
}

export type CalibrateOpts = {
  onProgress?: ProgressSink;
  shouldStop?: () => boolean;
  warn?: (m: string) => void;
  layerPrecision?: LayerPrecisionMap;
  extraInputs?: readonly ExtraInput[];
};

export async function calibrate(model: LoadedModel, samples: Float32Array[], inputDims: number[], settings: CalibSettings, opts: CalibrateOpts = {}): Promise<CalibrationResult> {
  validateSettings(settings);
  if (samples.length === 0) throw new Error('no calibration images');
  const method = settings.method;
  if (isLapqMethod(method)) return calibrateLapq(model, samples, inputDims, settings, opts, calibrate, calibrateWith);
  return (await calibrateWith(model, samples, inputDims, settings, opts, [CALIBRATORS[method]]))[0]!;
}

/**
 * One FP32 capture, then a sequential pass and a table per calibrator (the tables of LAPQ's Lp
 * start share the capture). `settings.method` is what the tables record.
 */
export async function calibrateWith(
  model: LoadedModel,
  samples: Float32Array[],
  inputDims: number[],
  settings: CalibSettings,
  opts: CalibrateOpts,
  calibrators: readonly Calibrator[],
): Promise<CalibrationResult[]> {
  validateSettings(settings);
  if (samples.length === 0) throw new Error('no calibration images');
  const t0 = performance.now();
  const qmax = qmaxForBits(settings.bits);
  const prec = opts.layerPrecision && Object.keys(opts.layerPrecision).length > 0 ? opts.layerPrecision : undefined;
  if (prec)
    checkLayerPrecision(
      prec,
      planQuantization(model.graph).layers.map((l) => l.name),
    );
  const plan = planQuantization(model.graph, { fp32: fp32Layers(prec) });
  // per-layer precision: groups (layers sharing an input) at other bits than the run's
  const bitsOf = new Map(
    plan.groups.map((g) => [
      g.input,
      groupBits(
        prec,
        g.layers.map((l) => l.name),
        settings.bits,
      ),
    ]),
  );
  const groupQmax = new Map([...bitsOf].filter(([, b]) => b !== settings.bits).map(([t, b]) => [t, qmaxForBits(b)]));
  if (plan.layers.length === 0) throw new Error(`${model.file}: no quantizable layer (Conv/Gemm/MatMul with constant weights) found`);
  const layerOutputs = new Set(plan.layers.map((l) => l.output));
  const extra = tensorsToMeasure(
    model.graph,
    plan.groups.map((g) => g.input),
    layerOutputs,
  );
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  warnDeadChannels(plan, warn);
  const addon = pickAccel(settings, warn);
  const threads = settings.threads;
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const native = addon
    ? {
        addon,
        threads,
        cancel,
        backend: nativeBackend({ qmax, threads, cancel, addon }),
        backendFor: (q: number, unsigned: boolean) => nativeBackend({ qmax: q, threads, cancel, addon, unsigned }),
      }
    : undefined;
  const extraInputs = checkExtraInputs(model, samples.length, opts.extraInputs ?? []);
  const capture = await captureReference(model, plan, samples, inputDims, settings.samplePositions, opts.onProgress, extra, opts.shouldStop, extraInputs);
  // the tensors the lowering will put on the unsigned grid (the same rule on the same tensor set)
  const unsignedInputs = settings.unsignedActivations
    ? unsignedTensors(
        model.graph,
        {
          unsignedActivations: true,
          layers: plan.layers,
          tensors: assignTensorScales(model.graph, new Map(plan.groups.map((g) => [g.input, 1])), layerOutputs, capture.maxAbs, qmax, new Map(groupQmax)),
        },
        new Set([...findLutChains(model.graph).values()].map((ch) => ch.input)),
      )
    : undefined;
  try {
    const results: CalibrationResult[] = [];
    for (const calibrator of calibrators) results.push(await tableOf(calibrator));
    return results;
  } finally {
    capture.dispose();
  }

  async function tableOf(calibrator: Calibrator): Promise<CalibrationResult> {
    const seq = await runSequential(model, plan, samples, inputDims, capture, calibrator, settings, qmax, {
      onProgress: opts.onProgress,
      shouldStop: opts.shouldStop,
      native,
      groupQmax,
      modelSha256: model.sha256,
      warn,
      extraInputs,
      unsignedInputs,
    });
    const tensorQmax = new Map(groupQmax);
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
          ...(bitsOf.get(l.input) !== settings.bits ? { bits: bitsOf.get(l.input) } : {}),
          ...(seq.biasDelta.has(l.name) ? { biasDelta: seq.biasDelta.get(l.name) } : {}),
          ...(seq.weightRoundFlip.has(l.name) ? { weightRoundFlip: seq.weightRoundFlip.get(l.name) } : {}),
        };
      }),
      tensors: assignTensorScales(model.graph, layerInputs, layerOutputs, capture.maxAbs, qmax, tensorQmax),
      ...(tensorQmax.size > 0 ? { tensorBits: Object.fromEntries([...tensorQmax].map(([t, q]) => [t, Math.log2(q + 1) + 1])) } : {}),
      ...(settings.unsignedActivations ? { unsignedActivations: true } : {}),
      settings: { ...resultSettings(settings), calibrationImages: samples.length, ...(prec ? { layerPrecision: prec } : {}) },
      createdAt: new Date().toISOString(),
    };
    const groups = plan.groups.map((g) => {
      const d = seq.decisions.get(g.input)!;
      return { name: g.layers.map((l) => l.name).join('+'), cosBefore: d.cosBefore, cosAfter: d.cosAfter };
    });
    if (settings.method === 'eq' && settings.checkpoint) removeCheckpoint(settings.checkpoint);
    return { table, plan, seconds: (performance.now() - t0) / 1000, groups, accel: native ? 'native' : 'ts', resumedGroups: seq.resumedGroups };
  }
}

/** Every graph input after the first must be given, with one tensor per calibration sample. */
function checkExtraInputs(model: LoadedModel, n: number, extra: readonly ExtraInput[]): readonly ExtraInput[] {
  const want = model.graph.inputs.slice(1).map((i) => i.name);
  const got = extra.map((x) => x.name);
  if (want.length !== got.length || want.some((w, i) => w !== got[i])) {
    throw new Error(
      `${model.file}: the model has inputs ${model.graph.inputs.map((i) => `'${i.name}'`).join(', ')}; calibration needs data for every input (got ${[model.graph.inputs[0]!.name, ...got].map((g) => `'${g}'`).join(', ')})`,
    );
  }
  for (const x of extra) if (x.samples.length !== n) throw new Error(`input '${x.name}' has ${x.samples.length} calibration samples, the first input ${n}`);
  return extra;
}

/** The settings that decide the result (engine, threads and checkpoint handling do not). */
function resultSettings(s: CalibSettings): Record<string, unknown> {
  const out: Record<string, unknown> = { ...s };
  for (const k of EXECUTION_SETTINGS) delete out[k];
  // a setting added later shows only when on: nearest-rounding tables keep their bytes
  if (out['weightRounding'] === 'nearest') delete out['weightRounding'];
  if (out['unsignedActivations'] === false) delete out['unsignedActivations'];
  // a per-layer method's scales.json keeps the settings it had before LAPQ existed
  if (!isLapqMethod(s.method)) for (const k of Object.keys(out)) if (k.startsWith('lapq')) delete out[k];
  return out;
}

/** One warning per layer with output channels whose weights are all ~0 (they get a finite stand-in scale). */
function warnDeadChannels(plan: QuantPlan, warn: (m: string) => void): void {
  for (const l of plan.layers) {
    const dead = deadChannels(l.wRows, l.geom.cout, l.geom.K);
    if (dead.length === 0) continue;
    const shown = dead.slice(0, 10).join(', ') + (dead.length > 10 ? `, ... (${dead.length - 10} more)` : '');
    warn(
      `layer '${l.name}' (${l.op}): output channel${dead.length > 1 ? 's' : ''} ${shown} of ${l.geom.cout} ha${dead.length > 1 ? 've' : 's'} all weights ~0 ` +
        `(max |w| < ${DEAD_WEIGHT_MAX}); their weights quantize to 0 (a finite stand-in scale) and the channel outputs its bias`,
    );
  }
}
