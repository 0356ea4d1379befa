/**
 * Shared set-up for the service operations: load the model with the card's input shape,
 * build the preprocessing spec (card or explicit), open the dataset.
 */
import path from 'node:path';
import { cardToSpec, readCard, type Card } from '../core/data/card.js';
import { openDataset, type Dataset } from '../core/data/dataset.js';
import { folderLabelsAllowed } from '../core/data/labels.js';
import type { PreprocessSpec } from '../core/data/preprocess.js';
import { loadModel, type LoadedModel } from '../core/graph/load.js';

export interface ModelSource {
  model: string;
  card?: string;
  /** explicit preprocessing (overrides the card's) */
  preprocess?: PreprocessSpec;
}

export interface DataSource {
  data: string;
  labels?: string;
  limit?: number;
}

export interface Prepared {
  model: LoadedModel;
  card?: Card;
  spec?: PreprocessSpec;
  inputDims: number[];
  outputIndex: number;
  labelOffset: number;
}

export function prepareModel(src: ModelSource): Prepared {
  const card = src.card ? readCard(src.card) : undefined;
  let inputShapes: Record<string, number[]> | undefined;
  const model0 = loadModel(src.model, {});
  const input = model0.graph.inputs[0]!;
  if (card?.input?.shape) {
    const want = card.input.shape;
    const have = input.dims;
    if (want.length !== have.length || want.some((d, i) => have[i]! > 0 && have[i] !== d)) {
      throw new Error(`card ${src.card}: input shape [${want.join(',')}] does not match the model's input '${input.name}' [${have.join(',')}] (${src.model})`);
    }
    inputShapes = { [input.name]: want };
  }
  const model = inputShapes ? loadModel(src.model, { inputShapes }) : model0;
  const spec = src.preprocess ?? (card ? cardToSpec(card) : undefined);
  let outputIndex = 0;
  if (card?.output?.name) {
    const i = model.graph.outputs.findIndex((o) => o.name === card.output!.name);
    if (i >= 0) outputIndex = i;
  }
  return { model, card, spec, inputDims: model.graph.inputs[0]!.dims, outputIndex, labelOffset: card?.output?.labelOffset ?? 0 };
}

export async function prepareData(p: Prepared, src: DataSource, onWarning: (m: string) => void): Promise<Dataset> {
  const folderLabels = folderLabelsAllowed(p.card);
  return openDataset(path.resolve(src.data), { spec: p.spec, inputDims: p.inputDims, labelsFile: src.labels, folderLabels, onWarning, limit: src.limit });
}
