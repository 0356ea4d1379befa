/** TFLite builtin (and known custom) op → mapper. */
import { binary, dequantize, leakyRelu, prelu, relu6, reluN1To1, unary } from './ops-elementwise.js';
import { concatenation, fullyConnected, pad, reduce, reshape, softmax, transpose } from './ops-shape.js';
import { averagePool2d, conv2d, depthwiseConv2d, maxPool2d, mediapipeTransposeConvBias, type OpMapper, resizeBilinear, resizeNearest, transposeConv } from './ops-spatial.js';

export const BUILTIN_MAPPERS: Readonly<Record<string, OpMapper>> = {
  CONV_2D: conv2d,
  DEPTHWISE_CONV_2D: depthwiseConv2d,
  TRANSPOSE_CONV: transposeConv,
  MAX_POOL_2D: maxPool2d,
  AVERAGE_POOL_2D: averagePool2d,
  RESIZE_BILINEAR: resizeBilinear,
  RESIZE_NEAREST_NEIGHBOR: resizeNearest,
  ADD: binary('Add', true),
  SUB: binary('Sub', true),
  MUL: binary('Mul', true),
  DIV: binary('Div', true),
  MAXIMUM: binary('Max', false),
  MINIMUM: binary('Min', false),
  RELU: unary('Relu'),
  RELU6: relu6,
  RELU_N1_TO_1: reluN1To1,
  LOGISTIC: unary('Sigmoid'),
  TANH: unary('Tanh'),
  HARD_SWISH: unary('HardSwish'),
  EXP: unary('Exp'),
  ABS: unary('Abs'),
  NEG: unary('Neg'),
  SQRT: unary('Sqrt'),
  LEAKY_RELU: leakyRelu,
  PRELU: prelu,
  DEQUANTIZE: dequantize,
  QUANTIZE: dequantize,
  RESHAPE: reshape,
  SQUEEZE: reshape,
  EXPAND_DIMS: reshape,
  CONCATENATION: concatenation,
  PAD: pad,
  PADV2: pad,
  MIRROR_PAD: pad,
  MEAN: reduce('ReduceMean'),
  SUM: reduce('ReduceSum'),
  REDUCE_MAX: reduce('ReduceMax'),
  REDUCE_MIN: reduce('ReduceMin'),
  SOFTMAX: softmax,
  FULLY_CONNECTED: fullyConnected,
  TRANSPOSE: transpose,
};

export const CUSTOM_MAPPERS: Readonly<Record<string, OpMapper>> = {
  Convolution2DTransposeBias: mediapipeTransposeConvBias,
};
