/**
 * Loading a model for quantization: ONNX file (or TFLite, converted to ONNX first) → IR →
 * passes (dynamic-quantized int8 layers back to float, 1-D convs as 2-D, constant folding,
 * identity removal, BN folding, bias-Add folding, activation fusion) → static shapes. A
 * data-dependent If over plain branches is rewritten as a select in the model itself, which is
 * then imported again (onnx/select-if-proto.ts).
 */
import crypto from 'node:crypto';
import { decodeModelProto, ModelFormatError, modelToGraph } from '../onnx/import.js';
import { onnx, type IModelProto } from '../onnx/proto.js';
import { selectIfsInProto, type SelectedOutput } from '../onnx/select-if-proto.js';
import { isTflite } from '../onnx/model-format.js';
import { tfliteToOnnxBytes } from '../tflite/import.js';
import type { Graph } from './ir.js';
import { fuseActivations } from './passes/fuse-activation.js';
import { foldBatchNorm } from './passes/fold-batchnorm.js';
import { foldBiasAdd } from './passes/fold-bias-add.js';
import { foldIntegerOps } from './passes/fold-integer-ops.js';
import { conv1dAs2d } from './passes/conv1d-as-2d.js';
import { removeIdentity } from './passes/remove-identity.js';
import { topoSort } from './passes/toposort.js';
import { bindInputShapes, type InputShapeOptions } from './input-shapes.js';
import { foldAndInfer, inferShapes } from './shape-inference.js';

export interface LoadedModel {
  file: string;
  bytes: Uint8Array;
  sha256: string;
  proto: IModelProto;
  /** graph after all passes */
  graph: Graph;
  passes: Record<string, number>;
  /** defaults applied while loading (e.g. batch 1 for a dynamic batch dim) */
  notices: string[];
}

export interface LoadOptions extends InputShapeOptions {
  /** skip activation fusion (for exports that need the plain graph) */
  noFusion?: boolean;
}

/** The IR of `proto` up to constant folding, or the Ifs to rewrite as selects first. */
function foldedGraph(proto: IModelProto, file: string, opts: LoadOptions, selected: readonly SelectedOutput[]) {
  const graph = modelToGraph(proto, file);
  if (graph.inputs.length === 0) throw new ModelFormatError(`${file}: the graph has no (non-initializer) inputs`);
  const notices = bindInputShapes(graph, file, opts);
  topoSort(graph);
  const passes: Record<string, number> = {};
  passes['integerOpsFolding'] = foldIntegerOps(graph);
  passes['conv1dAs2d'] = conv1dAs2d(graph);
  const { folded, selectIfs } = foldAndInfer(graph, selected);
  // an If made a select counts as folded, as one with a constant condition does
  passes['constantFolding'] = folded + new Set(selected.map((s) => s.ifName)).size;
  return { graph, notices, passes, selectIfs };
}

/** `bytes` may be ONNX or TFLite; a TFLite model is converted and `bytes` becomes the ONNX model. */
export function loadModelBytes(fileBytes: Uint8Array, file: string, opts: LoadOptions = {}): LoadedModel {
  let bytes = isTflite(fileBytes) ? tfliteToOnnxBytes(fileBytes, file) : fileBytes;
  let proto = decodeModelProto(bytes, file);
  const selected: SelectedOutput[] = [];
  let step = foldedGraph(proto, file, opts, selected);
  while (step.selectIfs.length) {
    // the rewrite is made once, on the model: the FP32 reference runs these bytes (capturing
    // branch values by name) and the IR is imported from them
    selected.push(...selectIfsInProto(proto, step.selectIfs));
    bytes = onnx.ModelProto.encode(proto).finish();
    proto = decodeModelProto(bytes, file);
    step = foldedGraph(proto, file, opts, selected);
  }
  const { graph, notices, passes } = step;
  passes['identityRemoval'] = removeIdentity(graph);
  graph.shapes.clear();
  inferShapes(graph);
  passes['batchNormFolding'] = foldBatchNorm(graph);
  passes['biasAddFolding'] = foldBiasAdd(graph);
  if (!opts.noFusion) passes['activationFusion'] = fuseActivations(graph);
  graph.shapes.clear();
  inferShapes(graph);
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  return { file, bytes, sha256, proto, graph, passes, notices };
}
