/**
 * The integer op set of EQM v1: one line per op kind. The writer, the reader and the integer
 * reference dispatch through this table; native/src/runtime/ops/op_registry.cc is its C++ twin
 * and test/unit/eqm-op-codes.test.ts checks both lists against each other.
 */
import { dequantizeOp } from './dequantize.js';
import { floatOp } from './float.js';
import { qaddOp } from './qadd.js';
import { qavgpoolOp } from './qavgpool.js';
import { qconcatOp } from './qconcat.js';
import { qlinearOp } from './qlinear.js';
import { qlutOp } from './qlut.js';
import { qmulOp } from './qmul.js';
import { qmaxpoolOp } from './qmaxpool.js';
import { qpadOp } from './qpad.js';
import { qreluOp } from './qrelu.js';
import { qresizeOp } from './qresize.js';
import { qreshapeOp } from './qreshape.js';
import { quantizeOp } from './quantize.js';
import { requantizeOp } from './requantize.js';
import type { AnyIntOpDef, IntOpDef, IntOpKind } from './types.js';

/** Every IntOp kind must have exactly one entry (the type makes a missing one a compile error). */
export const INT_OPS: { readonly [K in IntOpKind]: IntOpDef<K> } = {
  quantize: quantizeOp,
  dequantize: dequantizeOp,
  requantize: requantizeOp,
  qlinear: qlinearOp,
  qmaxpool: qmaxpoolOp,
  qavgpool: qavgpoolOp,
  qrelu: qreluOp,
  qreshape: qreshapeOp,
  qconcat: qconcatOp,
  qadd: qaddOp,
  float: floatOp,
  qlut: qlutOp,
  qmul: qmulOp,
  qpad: qpadOp,
  qresize: qresizeOp,
};

// INT_OPS[k] handles exactly the ops of kind k; the dispatchers look the def up by op.kind
// (or by the code read from the file), so the widening below is sound.
const ALL = Object.values(INT_OPS) as unknown as AnyIntOpDef[];
const BY_CODE = new Map<number, AnyIntOpDef>(ALL.map((d) => [d.code, d]));

/** Every op definition, in code order. */
export const ALL_INT_OPS: readonly AnyIntOpDef[] = [...ALL].sort((a, b) => a.code - b.code);

const BY_ONNX_OP = new Map<string, AnyIntOpDef>();
for (const d of ALL) {
  for (const op of d.lowerFrom ?? []) {
    if (BY_ONNX_OP.has(op)) throw new Error(`int ops ${BY_ONNX_OP.get(op)!.kind} and ${d.kind} both lower ONNX ${op}`);
    BY_ONNX_OP.set(op, d);
  }
}

/** The int op that implements an ONNX op type on int8 inputs, if any (engine/lower.ts). */
export function loweringFor(onnxOp: string): AnyIntOpDef | undefined {
  return BY_ONNX_OP.get(onnxOp);
}

/** The definition of an op kind. */
export function opDef(kind: IntOpKind): AnyIntOpDef {
  return INT_OPS[kind] as unknown as AnyIntOpDef;
}

/** The definition with this op code, or undefined for an unknown code. */
export function opDefByCode(code: number): AnyIntOpDef | undefined {
  return BY_CODE.get(code);
}
