/**
 * A hand-made INT8 scale table for small test graphs: given input scales per layer input,
 * weight scales 100 + c per output channel, and the other tensors' scales derived as the
 * calibrators derive them (assignTensorScales) from the given max |x| values.
 */
import type { LoadedModel } from '../../src-main/core/graph/load.js';
import { assignTensorScales } from '../../src-main/core/quant/assign-scales.js';
import type { QuantPlan } from '../../src-main/core/quant/plan.js';
import type { ScaleTable } from '../../src-main/core/quant/scale-table.js';

export function handScaleTable(m: LoadedModel, plan: QuantPlan, layerInputs: Map<string, number>, measuredMax: Map<string, number>): ScaleTable {
  return {
    bits: 8,
    qmax: 127,
    method: 'minmax',
    modelSha256: m.sha256,
    modelFile: m.file,
    layers: plan.layers.map((l) => ({
      name: l.name,
      op: l.op,
      input: l.input,
      output: l.output,
      weight: l.weight,
      inputScale: layerInputs.get(l.input)!,
      weightScales: Array.from({ length: l.geom.cout }, (_, c) => 100 + c),
    })),
    tensors: assignTensorScales(m.graph, layerInputs, new Set(plan.layers.map((l) => l.output)), measuredMax, 127),
    settings: {},
    createdAt: '',
  };
}
