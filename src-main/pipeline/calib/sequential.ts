/**
 * Runs the network over the calibration images layer group by layer group, in topological
 * order, quantizing each group with the scales its calibrator decides. The inputs a group
 * sees come from the already-quantized earlier layers (fake-quant), so accumulated error
 * counts, as the EasyQuant paper prescribes; the `fp32` variant feeds FP32 activations.
 *
 * With a checkpoint file, every decided group is saved (atomically) before the next one
 * starts; a resumed run takes the saved decisions instead of searching again and recomputes
 * the quantized activations from them, so it ends with the same scales bit for bit.
 * Cancellation (`shouldStop`) is polled every 50 ms while native work runs on worker threads,
 * and between graph nodes.
 */
import type { LoadedModel } from '../../core/graph/load.js';
import type { Tensor } from '../../core/graph/tensor.js';
import { applyActivation, runNodeFp32 } from '../../core/engine/interpreter.js';
import { cosine, fakeQuantPreAct, quantizeWeights, sampleOutput, toOutputLayout } from '../../core/quant/fake-quant-layer.js';
import type { QuantLayer, QuantPlan } from '../../core/quant/plan.js';
import { activationMatchedDelta, addChannelDelta, ChannelErrorMean } from '../../core/quant/bias-correction.js';
import { encodeFlips, optimiseRounding } from '../../core/quant/weight-rounding.js';
import type { NativeCalibAddon } from '../../engines/native/native-calib.js';
import type { Calibrator, GroupDecision } from '../../core/calib/calibrator.js';
import type { CalibCapture, ExtraInput } from '../../core/calib/capture-types.js';
import type { EqBackend } from '../../core/calib/eq-backend.js';
import { tsBackend } from '../../core/calib/eq.js';
import { inputGrid } from '../../core/quant/fake-quant-layer.js';
import { fromCheckpointGroup, readCheckpoint, runFingerprint, toCheckpointGroup, writeCheckpoint, type CheckpointGroup } from '../../io/checkpoint.js';
import type { ProgressSink } from '../../core/calib/progress.js';
import type { CalibSettings } from '../../core/calib/settings.js';

export interface SequentialResult {
  decisions: Map<string, GroupDecision>; // group input → decision
  /** layer name → mean cosine (sampled positions) of the pre-activation output on the calibration set */
  layerCosine: Map<string, number>;
  /** groups taken from a checkpoint instead of being searched */
  resumedGroups: number;
  /** with settings.biasCorrection: layer name → per-channel bias delta (already applied to what later layers see) */
  biasDelta: Map<string, number[]>;
  /** with settings.weightRounding 'adaround': layer name → optimised rounding (base64 bitmask, already used by what later layers see) */
  weightRoundFlip: Map<string, string>;
}

export interface SequentialOptions {
  onProgress?: ProgressSink;
  shouldStop?: () => boolean;
  /** native kernels for the search and the layer forward (undefined: TypeScript reference) */
  native?: { addon: NativeCalibAddon; backend: EqBackend; threads: number; cancel: Int32Array; backendFor?: (qmax: number, unsigned: boolean) => EqBackend };
  /** group input → qmax of groups whose precision differs from the run's (per-layer precision) */
  groupQmax?: ReadonlyMap<string, number>;
  modelSha256?: string;
  warn?: (m: string) => void;
  /** the other graph inputs of a multi-input model */
  extraInputs?: readonly ExtraInput[];
  /** layer inputs on the unsigned grid (settings.unsignedActivations, quant/unsigned-acts.ts): their groups are searched and simulated on that grid */
  unsignedInputs?: ReadonlySet<string>;
}

export class CalibrationCancelled extends Error {
  constructor() {
    super('calibration cancelled');
    this.name = 'CalibrationCancelled';
  }
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

export async function runSequential(
  model: LoadedModel,
  plan: QuantPlan,
  samples: Float32Array[],
  inputDims: number[],
  capture: CalibCapture,
  calibrator: Calibrator,
  settings: CalibSettings,
  qmax: number,
  opts: SequentialOptions = {},
): Promise<SequentialResult> {
  const { onProgress, shouldStop, native } = opts;
  const qmaxOfInput = (input: string) => opts.groupQmax?.get(input) ?? qmax;
  const graph = model.graph;
  const N = samples.length;
  const layerByNode = new Map(plan.layers.map((l) => [l.node, l]));
  const groupOf = new Map(plan.layers.map((l) => [l.name, plan.groups.find((g) => g.layers.includes(l))!]));
  const last = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.inputs.forEach((x) => x && last.set(x, i)));
  const values = new Map<string, Tensor[]>();
  values.set(
    graph.inputs[0]!.name,
    samples.map((s) => ({ dtype: 'float32', dims: inputDims, data: s })),
  );
  for (const x of opts.extraInputs ?? [])
    values.set(
      x.name,
      x.samples.map((s) => ({ dtype: 'float32', dims: x.dims, data: s })),
    );
  const decisions = new Map<string, GroupDecision>();
  const layerCosine = new Map<string, number>();
  const biasDelta = new Map<string, number[]>();
  const weightRoundFlip = new Map<string, string>();
  const get = (name: string, i: number): Tensor | undefined => values.get(name)?.[i] ?? graph.initializers.get(name);

  // checkpoint / resume
  const ckptFile = settings.method === 'eq' ? settings.checkpoint : undefined;
  // a group searched at another precision is another search: its qmax is part of the key
  const groupKeys = plan.groups.map((g) => (qmaxOfInput(g.input) === qmax ? g.input : `${g.input}@qmax${qmaxOfInput(g.input)}`));
  const fingerprint = ckptFile ? runFingerprint(opts.modelSha256 ?? '', [...samples, ...(opts.extraInputs ?? []).flatMap((x) => x.samples)], settings, groupKeys) : '';
  const saved: CheckpointGroup[] = [];
  const resumed = new Map<string, GroupDecision>();
  if (ckptFile && settings.resume) {
    const r = readCheckpoint(ckptFile, fingerprint);
    if (r.ok) {
      for (const g of r.groups) resumed.set(g.input, fromCheckpointGroup(g));
      saved.push(...r.groups);
      opts.warn?.(`resuming from checkpoint ${ckptFile}: ${r.groups.length} of ${plan.groups.length} layer groups already decided`);
    } else if ('reason' in r) {
      opts.warn?.(`${r.reason}; ignoring it and starting over`);
    } else {
      opts.warn?.(`no checkpoint at ${ckptFile}; starting from the beginning`);
    }
  }

  // cancellation: a flag the native workers read, set from a poll of shouldStop
  const stopped = () => {
    if (shouldStop?.()) {
      if (native) Atomics.store(native.cancel, 0, 1);
      return true;
    }
    return false;
  };
  const poll = shouldStop && native ? setInterval(stopped, 50) : undefined;

  let groupIndex = 0;
  // progress: elapsed/ETA over the whole run, weighting each group by its MACs (search cost
  // grows with them); within a group the weight phase counts as half
  const t0 = Date.now();
  // per layer: the search scores steps candidates twice (weights, activations) on the sampled
  // positions, then the layer runs once on all positions
  const groupWork = plan.groups.map(
    (g) => g.layers.reduce((a, l) => a + l.geom.cout * l.geom.K * (l.geom.P + 2 * settings.steps * Math.min(l.geom.P, settings.samplePositions || l.geom.P)), 0) + 1,
  );
  const totalWork = groupWork.reduce((a, b) => a + b, 0);
  let doneWork = 0;
  let resumedWork = 0;
  const groupProgress: ProgressSink | undefined = onProgress
    ? (e) => {
        const frac = (doneWork + groupWork[groupIndex]! * (e.phase === 'weights' ? 0.5 : 1)) / totalWork;
        const elapsedMs = Date.now() - t0;
        // resumed groups took (almost) no time: the ETA extrapolates from the searched ones
        const searched = (frac * totalWork - resumedWork) / totalWork;
        onProgress({ ...e, elapsedMs, etaMs: searched > 0 ? (elapsedMs * (1 - frac)) / searched : undefined });
      }
    : undefined;

  const isUnsigned = (t: string) => opts.unsignedInputs?.has(t) ?? false;
  // the run's back-end, or one for the group's own precision / grid (undefined: the TypeScript one)
  const eqBackendFor = (input: string, gq: number): EqBackend | undefined => {
    const u = isUnsigned(input);
    if (native) return (u || gq !== qmax) && native.backendFor ? native.backendFor(gq, u) : native.backend;
    return u ? tsBackend(gq, shouldStop, true) : undefined;
  };
  const forwardLayer = async (l: QuantLayer, d: GroupDecision, simXs: Float32Array[], flips?: Uint8Array): Promise<Float32Array[]> => {
    const qmax = qmaxOfInput(l.input);
    const ws = d.wScales.get(l.name)!;
    const wq = quantizeWeights(l, ws, qmax, flips);
    const unsigned = isUnsigned(l.input);
    if (native) {
      const outs = simXs.map(() => new Float32Array(l.geom.cout * l.geom.P));
      await native.addon.calibLayerForward({
        geom: l.geom,
        xs: simXs,
        outs,
        aScale: d.aScale,
        unsigned,
        qmax,
        wq,
        wScales: ws,
        bias: l.bias,
        threads: native.threads,
        cancel: native.cancel,
      });
      return outs;
    }
    const g = inputGrid(unsigned);
    const sa = g.scale(d.aScale);
    return simXs.map((x) => toOutputLayout(l.geom, fakeQuantPreAct(l, g.quantize(x, sa, qmax), sa, wq, ws, undefined, qmax, graph.opset)));
  };

  try {
    for (let idx = 0; idx < graph.nodes.length; idx++) {
      const node = graph.nodes[idx]!;
      if (stopped()) throw new CalibrationCancelled();
      const layer = layerByNode.get(node);
      if (layer) {
        const group = groupOf.get(layer.name)!;
        if (!decisions.has(group.input)) {
          const name = group.layers.map((l) => l.name).join('+');
          let d = resumed.get(group.input);
          if (d) {
            resumedWork += groupWork[groupIndex]!;
            groupProgress?.({
              stage: 'search',
              index: groupIndex + 1,
              total: plan.groups.length,
              name: `${name} (from checkpoint)`,
              cosBefore: d.cosBefore,
              cosAfter: d.cosAfter,
              elapsedMs: 0,
            });
          } else {
            const xs = settings.inputs === 'fp32' ? capture.store.readAll(group.input) : values.get(group.input)!.map((t) => t.data as Float32Array);
            const gq = qmaxOfInput(group.input);
            d = await calibrator.decide(group, xs, {
              settings,
              qmax: gq,
              capture,
              groupIndex,
              groupCount: plan.groups.length,
              onProgress: groupProgress,
              eqBackend: eqBackendFor(group.input, gq),
              shouldStop,
            });
            if (d.cosAfter === undefined) groupProgress?.({ stage: 'search', index: groupIndex + 1, total: plan.groups.length, name, elapsedMs: 0 });
          }
          if (stopped()) throw new CalibrationCancelled();
          decisions.set(group.input, d);
          doneWork += groupWork[groupIndex]!;
          groupIndex++;
          // outputs of every layer of the group, from the quantized-side inputs
          const simXs = values.get(group.input)!.map((t) => t.data as Float32Array);
          for (const l of group.layers) {
            const pos = capture.positions.get(l.name);
            const ref = capture.preAct.get(l.name)!;
            let flips: Uint8Array | undefined;
            if (settings.weightRounding === 'adaround') {
              const r = optimiseRounding(l.geom, l.wRows, l.bias, d.wScales.get(l.name)!, qmaxOfInput(l.input), {
                xs: simXs,
                aScale: d.aScale,
                unsigned: isUnsigned(l.input),
                positions: pos,
                ref,
              });
              if (r && r.flipped > 0) {
                flips = r.flips;
                weightRoundFlip.set(l.name, encodeFlips(r.flips));
              }
              if (stopped()) throw new CalibrationCancelled();
            }
            const ys = await forwardLayer(l, d, simXs, flips);
            if (settings.biasCorrection) {
              // the mean error on the sampled positions, removed before later layers read the output
              const err = new ChannelErrorMean(l.geom.cout);
              const qs = ys.map((t) => sampleOutput(l.geom, t, pos));
              qs.forEach((q, i) => err.add(q, ref[i]!));
              const act = l.node.act;
              const delta = act
                ? activationMatchedDelta(l.geom.cout, qs, ref, act.kind === 'relu' ? 0 : act.min, act.kind === 'relu' ? Infinity : act.max, err.delta())
                : err.delta();
              for (const t of ys) addChannelDelta(l.geom, t, delta);
              biasDelta.set(l.name, delta);
            }
            let cosSum = 0;
            const outs: Tensor[] = ys.map((t, i) => {
              cosSum += cosine(ref[i]!, sampleOutput(l.geom, t, pos));
              if (l.node.act) applyActivation(l.node.act, t);
              return { dtype: 'float32', dims: graph.shapes.get(l.output)!, data: t };
            });
            layerCosine.set(l.name, cosSum / N);
            values.set(l.output, outs);
          }
          if (ckptFile && !resumed.has(group.input)) {
            saved.push(toCheckpointGroup(group.input, d));
            writeCheckpoint(ckptFile, fingerprint, saved);
          }
        }
      } else {
        const outs: Tensor[][] = node.outputs.map(() => []);
        for (let i = 0; i < N; i++) {
          const r = runNodeFp32(
            graph,
            node,
            node.inputs.map((x) => (x ? get(x, i) : undefined)),
          );
          r.forEach((t, k) => outs[k]!.push(t));
        }
        node.outputs.forEach((o, k) => o && values.set(o, outs[k]!));
      }
      for (const x of node.inputs) if (x && (last.get(x) ?? -1) <= idx) values.delete(x);
      await yieldToLoop();
    }
  } catch (e) {
    if (native && Atomics.load(native.cancel, 0) !== 0) throw new CalibrationCancelled();
    throw e;
  } finally {
    if (poll) clearInterval(poll);
  }
  return { decisions, layerCosine, resumedGroups: resumed.size, biasDelta, weightRoundFlip };
}
