/**
 * Runs the network over the calibration images layer group by layer group, in topological
 * order, quantizing each group with the scales its calibrator decides. The inputs a group
 * sees come from the already-quantized earlier layers (fake-quant), so accumulated error
 * counts, as the EasyQuant paper prescribes; the `fp32` variant feeds FP32 activations.
 */
import type { LoadedModel } from '../graph/load.js';
import type { Tensor } from '../graph/tensor.js';
import { applyActivation, runNodeFp32 } from '../engine/interpreter.js';
import { cosine, fakeQuantPreAct, quantizeInput, quantizeWeights, sampleOutput, toOutputLayout } from '../quant/fake-quant-layer.js';
import type { QuantPlan } from '../quant/plan.js';
import type { Calibrator, GroupDecision } from './calibrator.js';
import type { CalibCapture } from './capture.js';
import type { ProgressSink } from './progress.js';
import type { CalibSettings } from './settings.js';

export interface SequentialResult {
  decisions: Map<string, GroupDecision>; // group input → decision
  /** layer name → mean cosine (sampled positions) of the pre-activation output on the calibration set */
  layerCosine: Map<string, number>;
}

export function runSequential(
  model: LoadedModel,
  plan: QuantPlan,
  samples: Float32Array[],
  inputDims: number[],
  capture: CalibCapture,
  calibrator: Calibrator,
  settings: CalibSettings,
  qmax: number,
  onProgress?: ProgressSink,
  shouldStop?: () => boolean,
): SequentialResult {
  const graph = model.graph;
  const N = samples.length;
  const layerByNode = new Map(plan.layers.map((l) => [l.node, l]));
  const groupOf = new Map(plan.layers.map((l) => [l.name, plan.groups.find((g) => g.layers.includes(l))!]));
  const last = new Map<string, number>();
  graph.nodes.forEach((n, i) => n.inputs.forEach((x) => x && last.set(x, i)));
  const values = new Map<string, Tensor[]>();
  values.set(graph.inputs[0]!.name, samples.map((s) => ({ dtype: 'float32', dims: inputDims, data: s })));
  const decisions = new Map<string, GroupDecision>();
  const layerCosine = new Map<string, number>();
  const get = (name: string, i: number): Tensor | undefined => values.get(name)?.[i] ?? graph.initializers.get(name);
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
  const groupProgress: ProgressSink | undefined = onProgress
    ? (e) => {
        const frac = (doneWork + groupWork[groupIndex]! * (e.phase === 'weights' ? 0.5 : 1)) / totalWork;
        const elapsedMs = Date.now() - t0;
        onProgress({ ...e, elapsedMs, etaMs: frac > 0 ? (elapsedMs * (1 - frac)) / frac : undefined });
      }
    : undefined;
  graph.nodes.forEach((node, idx) => {
    if (shouldStop?.()) throw new Error('calibration cancelled');
    const layer = layerByNode.get(node);
    if (layer) {
      const group = groupOf.get(layer.name)!;
      if (!decisions.has(group.input)) {
        const xs =
          settings.inputs === 'fp32' ? capture.store.readAll(group.input) : values.get(group.input)!.map((t) => t.data as Float32Array);
        const d = calibrator.decide(group, xs, { settings, qmax, capture, groupIndex, groupCount: plan.groups.length, onProgress: groupProgress });
        decisions.set(group.input, d);
        if (d.cosAfter === undefined) {
          groupProgress?.({ stage: 'search', index: groupIndex + 1, total: plan.groups.length, name: group.layers.map((l) => l.name).join('+'), elapsedMs: 0 });
        }
        doneWork += groupWork[groupIndex]!;
        groupIndex++;
        // outputs of every layer of the group, from the quantized-side inputs
        const simXs = values.get(group.input)!.map((t) => t.data as Float32Array);
        for (const l of group.layers) {
          const ws = d.wScales.get(l.name)!;
          const wq = quantizeWeights(l, ws, qmax);
          const outs: Tensor[] = [];
          let cosSum = 0;
          const pos = capture.positions.get(l.name);
          const outDims = graph.shapes.get(l.output)!;
          for (let i = 0; i < N; i++) {
            const y = fakeQuantPreAct(l, quantizeInput(simXs[i]!, d.aScale, qmax), d.aScale, wq, ws, undefined, qmax, graph.opset);
            const t = toOutputLayout(l.geom, y);
            cosSum += cosine(capture.preAct.get(l.name)![i]!, sampleOutput(l.geom, t, pos));
            if (l.node.act) applyActivation(l.node.act, t);
            outs.push({ dtype: 'float32', dims: outDims, data: t });
          }
          layerCosine.set(l.name, cosSum / N);
          values.set(l.output, outs);
        }
      }
    } else {
      const outs: Tensor[][] = node.outputs.map(() => []);
      for (let i = 0; i < N; i++) {
        const r = runNodeFp32(graph, node, node.inputs.map((x) => (x ? get(x, i) : undefined)));
        r.forEach((t, k) => outs[k]!.push(t));
      }
      node.outputs.forEach((o, k) => o && values.set(o, outs[k]!));
    }
    for (const x of node.inputs) if (x && (last.get(x) ?? -1) <= idx) values.delete(x);
  });
  return { decisions, layerCosine };
}
