/**
 * Loading a model for quantization: ONNX file → IR → passes (constant folding, identity
 * removal, BN folding, bias-Add folding, activation fusion) → static shapes.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { decodeModelProto, ModelFormatError, modelToGraph } from '../onnx/import.js';
import type { IModelProto } from '../onnx/proto.js';
import type { Graph } from './ir.js';
import { fuseActivations } from './passes/fuse-activation.js';
import { foldBatchNorm } from './passes/fold-batchnorm.js';
import { foldBiasAdd } from './passes/fold-bias-add.js';
import { removeIdentity } from './passes/remove-identity.js';
import { topoSort } from './passes/toposort.js';
import { checkSupported, foldConstants, inferShapes } from './shape-inference.js';

export interface LoadedModel {
  file: string;
  bytes: Uint8Array;
  sha256: string;
  proto: IModelProto;
  /** graph after all passes */
  graph: Graph;
  passes: Record<string, number>;
}

export interface LoadOptions {
  /** overrides the static shape of graph inputs (e.g. from a card); name → dims */
  inputShapes?: Record<string, number[]>;
  /** skip activation fusion (for exports that need the plain graph) */
  noFusion?: boolean;
}

export function loadModelBytes(bytes: Uint8Array, file: string, opts: LoadOptions = {}): LoadedModel {
  const proto = decodeModelProto(bytes, file);
  const graph = modelToGraph(proto, file);
  if (graph.inputs.length === 0) throw new ModelFormatError(`${file}: the graph has no (non-initializer) inputs`);
  for (const [name, dims] of Object.entries(opts.inputShapes ?? {})) {
    const i = graph.inputs.find((x) => x.name === name);
    if (!i) throw new Error(`${file}: no graph input named '${name}' (inputs: ${graph.inputs.map((x) => x.name).join(', ')})`);
    if (i.dims.length !== dims.length || i.dims.some((d, k) => d > 0 && d !== dims[k])) {
      throw new Error(`${file}: input '${name}' has shape [${i.dims.map((d) => (d > 0 ? d : '?')).join(',')}], but [${dims.join(',')}] was given`);
    }
    i.dims = [...dims];
  }
  topoSort(graph);
  checkSupported(graph);
  const passes: Record<string, number> = {};
  inferShapes(graph);
  passes['constantFolding'] = foldConstants(graph);
  passes['identityRemoval'] = removeIdentity(graph);
  graph.shapes.clear();
  inferShapes(graph);
  passes['batchNormFolding'] = foldBatchNorm(graph);
  passes['biasAddFolding'] = foldBiasAdd(graph);
  if (!opts.noFusion) passes['activationFusion'] = fuseActivations(graph);
  graph.shapes.clear();
  inferShapes(graph);
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  return { file, bytes, sha256, proto, graph, passes };
}

export function loadModel(file: string, opts: LoadOptions = {}): LoadedModel {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new ModelFormatError(`${file}: cannot read model file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return loadModelBytes(bytes, file, opts);
}
