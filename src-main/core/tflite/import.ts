/**
 * TFLite model bytes → ONNX. The TFLite graph (main subgraph) is rewritten op by op into an
 * ONNX graph (opset 14, NCHW inside, graph inputs/outputs in the model's own NHWC layout) so
 * everything downstream — onnxruntime reference, passes, QDQ export — works on ONNX bytes.
 */
import type { Graph, ValueInfo } from '../graph/ir.js';
import { encodeModel, graphToModelProto } from '../onnx/export-graph.js';
import { ModelFormatError } from '../onnx/model-format.js';
import { ConvertContext } from './context.js';
import { BUILTIN_MAPPERS, CUSTOM_MAPPERS } from './op-table.js';
import { readTflite, type TflTensor } from './read-model.js';

export const TFLITE_ONNX_OPSET = 14;

function info(name: string, t: TflTensor): ValueInfo {
  return { name, dims: t.signature.map((d, i) => (d < 0 ? (i === 0 ? -1 : t.shape[i]!) : d)), dtype: '1' };
}

/** Converts a .tflite file's bytes into an ONNX-ready IR graph. */
export function tfliteToGraph(bytes: Uint8Array, file: string): Graph {
  const model = readTflite(bytes, file);
  const ctx = new ConvertContext(model, file);
  const inputs = model.inputs.map((idx) => info(ctx.bindInput(idx), ctx.tensor(idx)));
  for (const op of model.operators) {
    const mapper = op.op === 'CUSTOM' ? CUSTOM_MAPPERS[op.customCode ?? ''] : BUILTIN_MAPPERS[op.op];
    if (!mapper) {
      const what = op.op === 'CUSTOM' ? `custom op '${op.customCode}'` : `op ${op.op}`;
      throw ctx.error(op, `TFLite ${what} is not supported by the importer`);
    }
    mapper(ctx, op);
  }
  const outputs = ctx.finishOutputs().map((name, i) => info(name, ctx.tensor(model.outputs[i]!)));
  if (ctx.nodes.length === 0) throw new ModelFormatError(`${file}: the TFLite model has no operators`);
  return {
    name: model.description || 'tflite',
    opset: TFLITE_ONNX_OPSET,
    inputs,
    outputs,
    nodes: ctx.nodes,
    initializers: ctx.initializers,
    shapes: new Map(),
  };
}

/** .tflite bytes → ONNX ModelProto bytes onnxruntime can run. */
export function tfliteToOnnxBytes(bytes: Uint8Array, file: string): Uint8Array {
  const graph = tfliteToGraph(bytes, file);
  return encodeModel(graphToModelProto(graph, { producerName: 'easyquant-studio (tflite import)', docString: `imported from ${file}` }));
}
