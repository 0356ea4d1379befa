/**
 * TFLite flatbuffer → plain objects (main subgraph only). Constant data stays a view on the
 * file bytes; nothing here interprets ops, see op-table.ts for that.
 */
import { FbTable } from './flatbuffer-table.js';
import { builtinName, F } from './schema.js';
import { ModelFormatError } from '../onnx/model-format.js';

export interface TflQuant {
  scale: number[];
  zeroPoint: number[];
  quantizedDimension: number;
}

export interface TflTensor {
  index: number;
  name: string;
  shape: number[];
  /** shape with -1 for dynamic dimensions (falls back to shape) */
  signature: number[];
  type: number;
  /** constant data, null for activations */
  data: Uint8Array | null;
  quant: TflQuant | null;
}

export interface TflOperator {
  index: number;
  op: string;
  customCode: string | null;
  inputs: number[];
  outputs: number[];
  /** the builtin options table, null when the op has none */
  options: FbTable | null;
  /** raw custom options (CUSTOM ops) */
  customOptions: Uint8Array | null;
}

export interface TflModel {
  version: number;
  description: string;
  tensors: TflTensor[];
  inputs: number[];
  outputs: number[];
  operators: TflOperator[];
  subgraphCount: number;
}

function readQuant(t: FbTable | null): TflQuant | null {
  if (!t) return null;
  const scale = t.float32s(F.Quantization.scale);
  if (scale.length === 0) return null;
  return { scale, zeroPoint: t.int64s(F.Quantization.zeroPoint), quantizedDimension: t.int32(F.Quantization.quantizedDimension) };
}

export function readTflite(bytes: Uint8Array, file: string): TflModel {
  let root: FbTable;
  try {
    root = FbTable.root(bytes);
    return readRoot(root, bytes, file);
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(`${file}: not a valid TFLite model (flatbuffer read failed: ${(e as Error).message})`);
  }
}

function readRoot(root: FbTable, bytes: Uint8Array, file: string): TflModel {
  const opcodes = root.tables(F.Model.operatorCodes).map((c) => {
    const code = Math.max(c.int8(F.OperatorCode.deprecatedBuiltinCode), c.int32(F.OperatorCode.builtinCode));
    return { op: builtinName(code), custom: c.string(F.OperatorCode.customCode) };
  });
  const buffers = root.tables(F.Model.buffers);
  const subgraphs = root.tables(F.Model.subgraphs);
  if (subgraphs.length === 0) throw new ModelFormatError(`${file}: not a valid TFLite model (no subgraph)`);
  const sg = subgraphs[0]!;
  const tensors = sg.tables(F.SubGraph.tensors).map((t, index): TflTensor => {
    const shape = t.int32s(F.Tensor.shape);
    const sig = t.int32s(F.Tensor.shapeSignature);
    const name = t.string(F.Tensor.name) ?? `tensor_${index}`;
    if (t.has(F.Tensor.sparsity)) throw new ModelFormatError(`${file}: tensor '${name}' is sparse; sparse TFLite tensors are not supported`);
    return {
      index,
      name,
      shape,
      signature: sig.length === shape.length ? sig : shape,
      type: t.int8(F.Tensor.type),
      data: bufferData(buffers, t.uint32(F.Tensor.buffer), bytes, name, file),
      quant: readQuant(t.table(F.Tensor.quantization)),
    };
  });
  const operators = sg.tables(F.SubGraph.operators).map((o, index): TflOperator => {
    const code = opcodes[o.uint32(F.Operator.opcodeIndex)];
    if (!code) throw new ModelFormatError(`${file}: operator ${index} refers to a missing operator code`);
    return {
      index,
      op: code.op,
      customCode: code.custom,
      inputs: o.int32s(F.Operator.inputs),
      outputs: o.int32s(F.Operator.outputs),
      options: o.table(F.Operator.builtinOptions),
      customOptions: o.bytes(F.Operator.customOptions),
    };
  });
  return {
    version: root.uint32(F.Model.version),
    description: root.string(F.Model.description) ?? '',
    tensors,
    inputs: sg.int32s(F.SubGraph.inputs),
    outputs: sg.int32s(F.SubGraph.outputs),
    operators,
    subgraphCount: subgraphs.length,
  };
}

function bufferData(buffers: FbTable[], idx: number, bytes: Uint8Array, tensor: string, file: string): Uint8Array | null {
  if (idx === 0) return null;
  const b = buffers[idx];
  if (!b) throw new ModelFormatError(`${file}: tensor '${tensor}' refers to missing buffer ${idx}`);
  const data = b.bytes(F.Buffer.data);
  if (data && data.length > 0) return data;
  // models over 2 GB keep buffers after the flatbuffer (offset from the file start)
  const offset = b.uint64(F.Buffer.offset);
  const size = b.uint64(F.Buffer.size);
  if (offset > 1 && size > 0) {
    if (offset + size > bytes.length) throw new ModelFormatError(`${file}: tensor '${tensor}': buffer ${idx} lies outside the file`);
    return bytes.subarray(offset, offset + size);
  }
  return null;
}
