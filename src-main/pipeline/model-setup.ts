/**
 * Shared set-up for the service operations: load the model with the card's input shape,
 * build the preprocessing spec (card or explicit), open the dataset.
 */
import path from 'node:path';
import { cardToSpec, readCard, type Card } from '../io/data/card.js';
import { openDataset, type Dataset } from '../io/data/dataset.js';
import { folderLabelsAllowed } from '../io/data/labels.js';
import type { PreprocessSpec } from '../io/data/preprocess.js';
import { type LoadedModel } from '../core/graph/load.js';
import { loadModel } from '../io/model-file.js';
import { installOrtNodeRunner } from '../engines/ort-node-runner.js';
import { budgetProblem, ModelBudgetError, modelFigures, resolveLimits, type ModelFigures, type ModelLimits } from './model-limits.js';

export interface ModelSource {
  model: string;
  card?: string;
  /** explicit preprocessing (overrides the card's) */
  preprocess?: PreprocessSpec;
  /** static shape of the first graph input (--input-shape; overrides the card's input.shape) */
  inputShape?: number[];
  /** static shapes of graph inputs by name (`--input-shape name=dims`; multi-input models) */
  inputShapes?: Record<string, number[]>;
  /** resource budget (--max-gmacs, --max-activation-gb); unset fields come from the environment or the defaults */
  limits?: Partial<ModelLimits>;
}

export interface DataSource {
  data: string;
  /** one tensor folder per model input, by input name (`--data name=dir`); `data` then names the first */
  inputData?: Record<string, string>;
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
  /** defaults the loader applied (e.g. batch 1 for a dynamic batch dim) */
  notices?: string[];
  /** MACs and largest activation (what the budget is checked on) */
  figures?: ModelFigures;
  /** set when the model is over the budget and the caller asked not to enforce it (inspect) */
  budgetWarning?: string;
}

export interface PrepareOptions {
  /** refuse a model over the budget (default true; inspect and data-only jobs only report it) */
  enforceLimits?: boolean;
}

export function prepareModel(src: ModelSource, opts: PrepareOptions = {}): Prepared {
  const card = src.card ? readCard(src.card) : undefined;
  // ops without a TS kernel stay FP32 and run through onnxruntime (compile still refuses them)
  installOrtNodeRunner();
  // the shape is bound before shape inference, so dynamic dims can be given by the card or flag
  const inputShapes = src.inputShapes;
  const model = src.inputShape
    ? loadModel(src.model, { inputShape: src.inputShape, inputShapeFrom: '--input-shape', inputShapes })
    : card?.input?.shape
      ? loadModel(src.model, { inputShape: card.input.shape, inputShapeFrom: `card ${src.card}`, inputShapes })
      : loadModel(src.model, { inputShapes });
  // CLI and log readers see the defaults; API callers get them in Prepared.notices
  for (const n of model.notices) process.stderr.write(`notice: ${n}\n`);
  // before anything runs the model: a huge-pad Conv would otherwise take minutes and gigabytes
  const figures = modelFigures(model.graph);
  const budgetWarning = budgetProblem(src.model, figures, resolveLimits(src.limits), model.graph.inputs[0]?.dims[0] ?? 1);
  if (budgetWarning && opts.enforceLimits !== false) throw new ModelBudgetError(budgetWarning);
  const spec = src.preprocess ?? (card ? cardToSpec(card) : undefined);
  let outputIndex = 0;
  if (card?.output?.name) {
    const i = model.graph.outputs.findIndex((o) => o.name === card.output!.name);
    if (i >= 0) outputIndex = i;
  }
  return { model, card, spec, inputDims: model.graph.inputs[0]!.dims, outputIndex, labelOffset: card?.output?.labelOffset ?? 0, notices: model.notices, figures, budgetWarning };
}

export async function prepareData(p: Prepared, src: DataSource, onWarning: (m: string) => void): Promise<Dataset> {
  const folderLabels = folderLabelsAllowed(p.card);
  const inputs = p.model.graph.inputs.map((i) => ({ name: i.name, dims: i.dims }));
  const ds = await openDataset(path.resolve(src.data), {
    spec: p.spec,
    inputDims: p.inputDims,
    inputName: inputs[0]?.name,
    inputs,
    inputDirs: src.inputData,
    labelsFile: src.labels,
    folderLabels,
    onWarning,
    limit: src.limit,
  });
  // several inputs: the dataset has one tensor per input and sample (folders or .npz), never images
  if (inputs.length > 1 && (!ds.tensors || ds.tensors.inputs.length !== inputs.length)) {
    throw new Error(
      `${ds.dir}: the model has ${inputs.length} inputs (${inputs.map((i) => `'${i.name}'`).join(', ')}); give tensors for each: one sub-folder per input, an .npz per sample, or --data <input>=<folder> per input`,
    );
  }
  return ds;
}
