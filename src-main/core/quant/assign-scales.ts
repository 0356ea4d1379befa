/**
 * Scales for every int8 tensor, starting from the calibrated inputs of the quantized layers.
 *
 *  - Range-preserving int8 ops (MaxPool, Relu, Reshape/Flatten/Squeeze/Unsqueeze, Concat, a
 *    zero-constant Pad, a nearest/linear spatial Resize: quant/int8-data-ops.ts): a tensor reaching a layer input only through them takes that input's scale, so the
 *    producing layer requantizes straight to it and the op is pure int8 data movement.
 *  - Requantizing int8 ops (AveragePool, GlobalAveragePool, Add) change the range (an average
 *    is smaller than its inputs' maximum), so their inputs get their own max-abs scale,
 *    measured on the calibration set, and the op requantizes to its output's scale. A Mul of
 *    two tensors (a squeeze-excitation gate times its input) is one too (eqm/ops/qmul.ts).
 *  - An activation chain run as an int8 table (engine/lut-activations.ts) makes its output
 *    int8 when its input is a layer output (whose scale the compiler derives from the chain's).
 */
import { findLutChains } from '../engine/lut-activations.js';
import { consumers, producers, type Graph, type Node } from '../graph/ir.js';
import { int8PadPads, int8ResizeAxes } from './int8-data-ops.js';
import { maxAbsScale } from './rounding.js';

export const RANGE_PRESERVING = new Set(['MaxPool', 'Relu', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Concat', 'Identity']);
export const REQUANTIZING = new Set(['AveragePool', 'GlobalAveragePool', 'Add']);

/** A range-preserving op: one of RANGE_PRESERVING, or a Pad / Resize that runs on int8. */
export function preservesRange(graph: Graph, n: Node): boolean {
  return RANGE_PRESERVING.has(n.op) || (n.op === 'Pad' && !!int8PadPads(graph, n)) || (n.op === 'Resize' && !!int8ResizeAxes(graph, n));
}

/** A requantizing op: one of REQUANTIZING, or a Mul of two non-constant tensors. */
export function requantizes(graph: Graph, n: Node): boolean {
  return REQUANTIZING.has(n.op) || (n.op === 'Mul' && n.inputs.filter((x) => x && !graph.initializers.has(x)).length === 2);
}

function dataInputs(graph: Graph, n: Node): string[] {
  return n.op === 'Reshape' || n.op === 'Squeeze' || n.op === 'Unsqueeze' || n.op === 'Pad' || n.op === 'Resize'
    ? [n.inputs[0]!]
    : n.inputs.filter((x) => x && !graph.initializers.has(x));
}

function propagate(graph: Graph, scales: Map<string, number>, layerOutputs: Set<string>, measured: Map<string, number>, qmax: number, qmaxOf: Map<string, number>): void {
  const prod = producers(graph);
  const cons = consumers(graph);
  const graphInputs = new Set(graph.inputs.map((i) => i.name));
  const lutOutputs = new Set([...findLutChains(graph).values()].filter((c) => layerOutputs.has(c.input)).map((c) => c.output));
  const preserving = new Set(graph.nodes.filter((n) => preservesRange(graph, n)));
  const int8Made = (x: string) => {
    const p = prod.get(x);
    return layerOutputs.has(x) || lutOutputs.has(x) || (!!p && !p.act && (preserving.has(p) || requantizes(graph, p)));
  };
  for (let it = 0; it <= graph.nodes.length; it++) {
    let changed = false;
    for (let i = graph.nodes.length - 1; i >= 0; i--) {
      const n = graph.nodes[i]!;
      const s = scales.get(n.outputs[0]!);
      if (s === undefined || n.act) continue;
      if (!preserving.has(n) && !requantizes(graph, n)) continue;
      if (n.outputs.slice(1).some((o) => o)) continue;
      for (const x of dataInputs(graph, n)) {
        if (scales.has(x) || graphInputs.has(x) || !int8Made(x)) continue;
        // every consumer must be able to take int8
        if ((cons.get(x) ?? []).some((c) => !preserving.has(c) && !requantizes(graph, c))) continue;
        // a tensor takes the qmax of the tensor its scale comes from (per-layer precision)
        const q = qmaxOf.get(n.outputs[0]!) ?? qmax;
        if (preserving.has(n)) scales.set(x, s);
        else {
          const m = measured.get(x);
          if (m === undefined) continue;
          scales.set(x, Math.fround(maxAbsScale(m, q)));
        }
        if (q !== qmax) qmaxOf.set(x, q);
        changed = true;
      }
    }
    if (!changed) break;
  }
}

/** Tensors whose max |x| the calibration pass must measure (inputs of requantizing ops). */
export function tensorsToMeasure(graph: Graph, layerInputs: Iterable<string>, layerOutputs: Set<string>): string[] {
  const probe = new Map<string, number>();
  for (const t of layerInputs) probe.set(t, 1);
  const all = new Set<string>();
  // pretend every candidate is measured, to find which ones the propagation would ask for
  const measured = new Map<string, number>();
  for (const n of graph.nodes) if (requantizes(graph, n)) for (const x of dataInputs(graph, n)) measured.set(x, 1);
  propagate(graph, probe, layerOutputs, measured, 127, new Map());
  for (const x of measured.keys()) if (probe.has(x) && !new Set(layerInputs).has(x)) all.add(x);
  return [...all];
}

export function assignTensorScales(
  graph: Graph,
  layerInputs: Map<string, number>,
  layerOutputs: Set<string>,
  measured: Map<string, number> = new Map(),
  qmax = 127,
  /** in: qmax of layer inputs that differ from qmax; out: also of the tensors sharing their scale */
  qmaxOf: Map<string, number> = new Map(),
): Record<string, number> {
  const scales = new Map(layerInputs);
  propagate(graph, scales, layerOutputs, measured, qmax, qmaxOf);
  return Object.fromEntries(scales);
}
