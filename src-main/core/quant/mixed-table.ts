/**
 * A scale table for one mixed-precision configuration, assembled from an all-INT8 and an
 * all-INT7 calibration of the same model (the search evaluates many configurations; calibrating
 * each would take minutes). Groups at INT8 take the INT8 table's scales, groups at INT7 the INT7
 * table's, FP32 groups are left out; tensors sharing a scale are re-derived from the layer inputs.
 * The chosen configuration is then calibrated for real (`calibrate --layer-bits-file`).
 */
import type { Graph } from '../graph/ir.js';
import { assignTensorScales } from './assign-scales.js';
import type { LayerGroup } from './plan.js';
import { qmaxForBits, type LayerScales, type ScaleTable } from './scale-table.js';
import type { LayerPrecisionMap } from './layer-precision.js';

/** Unit id of a group: its layers' names joined by '+' (as calibration reports name groups). */
export function groupId(g: LayerGroup): string {
  return g.layers.map((l) => l.name).join('+');
}

/** The per-layer precision map of a configuration over groups. */
export function layerMapOf(groups: readonly LayerGroup[], config: Record<string, 'fp32' | 'int8' | 'int7'>): LayerPrecisionMap {
  const out: LayerPrecisionMap = {};
  for (const g of groups) for (const l of g.layers) out[l.name] = config[groupId(g)]!;
  return out;
}

function layersOf(t: ScaleTable, which: string): Map<string, LayerScales> {
  if (t.qmax !== qmaxForBits(t.bits)) throw new Error(`${which} scale table: qmax ${t.qmax} does not match its ${t.bits} bits`);
  if (t.layers.some((l) => l.bits !== undefined)) throw new Error(`${which} scale table is itself mixed-precision; pass a uniform INT${t.bits} calibration`);
  return new Map(t.layers.map((l) => [l.name, l]));
}

export function mixedTable(graph: Graph, groups: readonly LayerGroup[], t8: ScaleTable, t7: ScaleTable, config: Record<string, 'fp32' | 'int8' | 'int7'>): ScaleTable {
  if (t8.bits !== 8) throw new Error(`the INT8 scale table has ${t8.bits} bits`);
  if (t7.bits !== 7) throw new Error(`the INT7 scale table has ${t7.bits} bits`);
  if (t8.modelSha256 !== t7.modelSha256) throw new Error('the INT8 and INT7 scale tables were made for different models');
  // the table carries one grid choice for every activation (quant/unsigned-acts.ts)
  if (!t8.unsignedActivations !== !t7.unsignedActivations)
    throw new Error(
      `the INT8 and INT7 scale tables differ in unsigned activations (INT8 ${t8.unsignedActivations ? 'on' : 'off'}, INT7 ${t7.unsignedActivations ? 'on' : 'off'}): calibrate both with or both without --unsigned-activations`,
    );
  const l8 = layersOf(t8, 'INT8');
  const l7 = layersOf(t7, 'INT7');
  const layers: LayerScales[] = [];
  const layerInputs = new Map<string, number>();
  const layerOutputs = new Set<string>();
  const qmaxOf = new Map<string, number>();
  for (const g of groups) {
    const p = config[groupId(g)];
    if (p === undefined) throw new Error(`mixed configuration: no precision for group '${groupId(g)}'`);
    if (p === 'fp32') continue;
    for (const l of g.layers) {
      const s = (p === 'int7' ? l7 : l8).get(l.name);
      if (!s) throw new Error(`the INT${p === 'int7' ? 7 : 8} scale table has no layer '${l.name}'`);
      layers.push({ ...s, ...(p === 'int7' ? { bits: 7 } : {}) });
      layerInputs.set(l.input, s.inputScale);
      layerOutputs.add(l.output);
    }
    if (p === 'int7') qmaxOf.set(g.input, qmaxForBits(7));
  }
  // max |x| of the requantizing ops' inputs, recovered from the INT8 table (scale = 127 / max)
  const measured = new Map(Object.entries(t8.tensors).map(([k, s]) => [k, t8.qmax / s]));
  const tensors = assignTensorScales(graph, layerInputs, layerOutputs, measured, t8.qmax, qmaxOf);
  const tensorBits = Object.fromEntries([...qmaxOf].filter(([t]) => t in tensors).map(([t, q]) => [t, Math.log2(q + 1) + 1]));
  return {
    ...t8,
    layers,
    tensors,
    ...(Object.keys(tensorBits).length > 0 ? { tensorBits } : {}),
    settings: { ...t8.settings, layerPrecision: layerMapOf(groups, config) },
  };
}
