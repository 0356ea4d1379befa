/**
 * The ONNX op types the native runtime runs as FP32 fallback ops (native/src/fallback,
 * dispatched by fp32_registry.cc; test/unit/native-float-ops.test.ts checks both lists agree).
 * The EQM writer refuses a program with any other float op, so a compiled model always loads.
 */
import type { IntProgram } from '../engine/int-program.js';

export const NATIVE_FLOAT_OPS: readonly string[] = [
  'Add',
  'AveragePool',
  'BatchNormalization',
  'Cast',
  'Clip',
  'Concat',
  'Conv',
  'ConvTranspose',
  'Div',
  'Dropout',
  'Equal',
  'Exp',
  'Flatten',
  'Gemm',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'GreaterOrEqual',
  'HardSigmoid',
  'HardSwish',
  'Identity',
  'LeakyRelu',
  'LessOrEqual',
  'Log',
  'MatMul',
  'Max',
  'MaxPool',
  'Min',
  'Mul',
  'Pad',
  'Pow',
  'PRelu',
  'ReduceMax',
  'ReduceMean',
  'Relu',
  'Reshape',
  'Resize',
  'Sigmoid',
  'Slice',
  'Softmax',
  'Split',
  'Sqrt',
  'Squeeze',
  'Sub',
  'Transpose',
  'Unsqueeze',
];

const SUPPORTED = new Set(NATIVE_FLOAT_OPS);

/** The float nodes of a program the native runtime has no kernel for, as "Op 'node name'". */
export function missingNativeFloatOps(prog: IntProgram): string[] {
  const out: string[] = [];
  for (const op of prog.ops) {
    if (op.kind !== 'float') continue;
    const { node } = op;
    const domain = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}::` : '';
    if (domain || !SUPPORTED.has(node.op)) out.push(`${domain}${node.op} '${node.name}'`);
  }
  return out;
}
