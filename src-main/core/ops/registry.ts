/**
 * Registry of the FP32 kernels: op type (+ domain) and opset -> OpDef.
 * The default ONNX domain may be written '' or 'ai.onnx'.
 */
import type { OpDef } from './types.js';
import { externalOp } from './external.js';
import { Add } from './add.js';
import { AveragePool } from './average-pool.js';
import { BatchNormalization } from './batch-normalization.js';
import { Cast } from './cast.js';
import { Ceil } from './ceil.js';
import { Clip } from './clip.js';
import { Concat } from './concat.js';
import { ConstantOfShape } from './constant-of-shape.js';
import { Conv } from './conv.js';
import { ConvTranspose } from './conv-transpose.js';
import { Div } from './div.js';
import { Dropout } from './dropout.js';
import { Equal } from './equal.js';
import { Exp } from './exp.js';
import { Expand } from './expand.js';
import { Flatten } from './flatten.js';
import { Floor } from './floor.js';
import { Gather } from './gather.js';
import { Gemm } from './gemm.js';
import { GlobalAveragePool } from './global-average-pool.js';
import { GlobalMaxPool } from './global-max-pool.js';
import { Greater } from './greater.js';
import { GreaterOrEqual } from './greater-or-equal.js';
import { HardSigmoid } from './hard-sigmoid.js';
import { HardSwish } from './hard-swish.js';
import { Identity } from './identity.js';
import { LeakyRelu } from './leaky-relu.js';
import { Less } from './less.js';
import { LessOrEqual } from './less-or-equal.js';
import { Log } from './log.js';
import { MatMul } from './matmul.js';
import { Max } from './max.js';
import { MaxPool } from './max-pool.js';
import { Min } from './min.js';
import { Mul } from './mul.js';
import { Neg } from './neg.js';
import { Not } from './not.js';
import { Pad } from './pad.js';
import { Pow } from './pow.js';
import { PRelu } from './prelu.js';
import { Range } from './range.js';
import { ReduceMax } from './reduce-max.js';
import { ReduceMean } from './reduce-mean.js';
import { ReduceProd } from './reduce-prod.js';
import { Relu } from './relu.js';
import { Reshape } from './reshape.js';
import { Resize } from './resize.js';
import { Shape } from './shape.js';
import { Sigmoid } from './sigmoid.js';
import { Slice } from './slice.js';
import { Softmax } from './softmax.js';
import { Split } from './split.js';
import { Sqrt } from './sqrt.js';
import { Squeeze } from './squeeze.js';
import { Sub } from './sub.js';
import { Tanh } from './tanh.js';
import { Transpose } from './transpose.js';
import { Unsqueeze } from './unsqueeze.js';
import { Upsample } from './upsample.js';
import { Where } from './where.js';

const ALL: OpDef[] = [
  Add,
  AveragePool,
  BatchNormalization,
  Cast,
  Ceil,
  Clip,
  Concat,
  ConstantOfShape,
  Conv,
  ConvTranspose,
  Div,
  Dropout,
  Equal,
  Exp,
  Expand,
  Flatten,
  Floor,
  Gather,
  Gemm,
  GlobalAveragePool,
  GlobalMaxPool,
  Greater,
  GreaterOrEqual,
  HardSigmoid,
  HardSwish,
  Identity,
  LeakyRelu,
  Less,
  LessOrEqual,
  Log,
  MatMul,
  Max,
  MaxPool,
  Min,
  Mul,
  Neg,
  Not,
  Pad,
  Pow,
  PRelu,
  Range,
  ReduceMax,
  ReduceMean,
  ReduceProd,
  Relu,
  Reshape,
  Resize,
  Shape,
  Sigmoid,
  Slice,
  Softmax,
  Split,
  Sqrt,
  Squeeze,
  Sub,
  Tanh,
  Transpose,
  Unsqueeze,
  Upsample,
  Where,
];

function normDomain(d: string | undefined): string {
  return !d || d === 'ai.onnx' ? '' : d;
}

const BY_KEY = new Map<string, OpDef[]>();
for (const def of ALL) {
  const key = `${normDomain(def.domain)}::${def.op}`;
  const list = BY_KEY.get(key);
  if (list) list.push(def);
  else BY_KEY.set(key, [def]);
}

/**
 * The kernel for an op at an opset; an op without one runs through the external runner when
 * one is installed (ops/external.ts), else undefined.
 */
export function findOp(op: string, domain: string, opset: number): OpDef | undefined {
  const defs = BY_KEY.get(`${normDomain(domain)}::${op}`);
  const def = defs?.find((d) => opset >= d.minOpset && opset <= d.maxOpset);
  if (def) return def;
  const note = defs?.length ? `implemented for opsets ${defs.map((d) => `${d.minOpset}–${d.maxOpset}`).join(', ')} only; its definition at opset ${opset} is not` : undefined;
  return externalOp(op, normDomain(domain), note);
}

/** Every kernel of an op at any opset (for messages naming the opsets implemented). */
export function kernelsOf(op: string, domain: string): readonly OpDef[] {
  return BY_KEY.get(`${normDomain(domain)}::${op}`) ?? [];
}

/** Sorted op types with a kernel (default-domain ops unqualified, others as domain::op). */
export function supportedOps(): string[] {
  return [...new Set(ALL.map((d) => (normDomain(d.domain) ? `${d.domain}::${d.op}` : d.op)))].sort();
}

/** All kernels, e.g. for listing opset ranges. */
export function allOps(): readonly OpDef[] {
  return ALL;
}
