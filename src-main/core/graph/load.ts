/**
 * Loading a model for quantization: ONNX file (or TFLite, converted to ONNX first) → IR →
 * passes (dynamic-quantized int8 layers back to float, 1-D convs as 2-D, constant folding,
 * identity removal, BN folding, bias-Add folding, activation fusion) → static shapes.
 */
import crypto from 'node:crypto';
import { decodeModelProto, ModelFormatError, modelToGraph } from '../onnx/import.js';
import { onnx, type IModelProto } from '../onnx/proto.js';
import { selectIfsInProto } from '../onnx/select-if-proto.js';
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

/** `bytes` may be ONNX or TFLite; a TFLite model is converted and `bytes` becomes the ONNX model. */
export function loadModelBytes(fileBytes: Uint8Array, file: string, opts: LoadOptions = {}): LoadedModel {
  let bytes = isTflite(fileBytes) ? tfliteToOnnxBytes(fileBytes, file) : fileBytes;
  let proto = decodeModelProto(bytes, file);
  const graph = modelToGraph(proto, file);
  if (graph.inputs.length === 0) throw new ModelFormatError(`${file}: the graph has no (non-initializer) inputs`);
  const notices = bindInputShapes(graph, file, opts);
  topoSort(graph);
  const passes: Record<string, number> = {};
  passes['integerOpsFolding'] = foldIntegerOps(graph);
  passes['conv1dAs2d'] = conv1dAs2d(graph);
  const selectedIfs: string[] = [];
  passes['constantFolding'] = foldAndInfer(graph, selectedIfs);
  if (selectedIfs.length) {
    // the FP32 reference runs these bytes and captures branch values by their IR names
    bytes = onnx.ModelProto.encode(selectIfsInProto(decodeModelProto(bytes, file), selectedIfs)).finish();
    proto = decodeModelProto(bytes, file);
  }
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
