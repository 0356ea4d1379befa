/**
 * One integer op kind of the EQM format, as one object: its op code, how the writer checks and
 * encodes it, how the reader decodes and validates it, and how the integer reference runs it.
 * The native runtime has the same split (native/src/runtime/ops); docs/adding-an-op.md.
 */
import type { IntOp } from '../../engine/int-program.js';
import type { LayerTap } from '../../engine/types.js';
import type { Graph, Node } from '../../graph/ir.js';
import type { Tensor } from '../../graph/tensor.js';
import type { ByteReader, ByteWriter } from '../bytes.js';
import type { EqmOp, EqmTensor } from '../eqm-model.js';
import type { EqmDType } from '../format.js';

export type IntOpKind = IntOp['kind'];
export type IntOpOf<K extends IntOpKind> = Extract<IntOp, { kind: K }>;
export type EqmOpOf<K extends IntOpKind> = Extract<EqmOp, { kind: K }>;

/** The writer's checked tensor table and op stream (write-eqm.ts). */
export interface EncodeCtx {
  graph: Graph;
  /** the OPS section being written */
  w: ByteWriter;
  fail(msg: string): never;
  /** index of a tensor that must exist (or be an initializer, added as a constant) */
  use(name: string, dtype?: EqmDType): number;
  /** adds a value tensor produced by this op */
  define(name: string, dtype: EqmDType, dims: readonly number[] | undefined, scale?: number): number;
  tensor(i: number): { dtype: EqmDType; dims: number[]; scale: number };
  /** the scale the integer program gives an int8 value, else the fallback */
  int8Scale(name: string, fallback: number): number;
  /** the common op header: code byte, 3 reserved bytes, the op name */
  head(code: number, name: string): void;
  /** a reference into the strings section */
  str(s: string): void;
  /** a reference into the data section */
  blob(b: Uint8Array): void;
  geomU32(field: string, v: number): void;
  checkQ(name: string, v: number): void;
  checkMult(name: string, v: number): void;
}

/** The reader's checked view of one op record (test/helpers/read-eqm.ts). */
export interface DecodeCtx {
  r: ByteReader;
  tensors: readonly EqmTensor[];
  bad(msg: string): never;
  str(field: string): string;
  blob(field: string, want: number): Uint8Array;
  /** a tensor index, optionally of a given dtype */
  ref(field: string, dtype?: EqmDType): number;
  count(field: string, max: number, minBytes: number): number;
  u32Geom(field: string): number;
  numel(i: number): number;
  /** the tensor is read here: it must have been produced already (values) */
  use(i: number, what: string): void;
  /** the tensor is written here: a value, once */
  produce(i: number, what: string): void;
}

export interface IntValue {
  dims: number[];
  data: Int8Array;
}

/** The integer reference's value store (engine/int-ref.ts). */
export interface RunCtx {
  graph: Graph;
  qmax: number;
  getF(name: string): Tensor | undefined;
  getI(name: string): IntValue;
  setF(name: string, t: Tensor): void;
  setI(name: string, v: IntValue): void;
  /** zero offset of an int8 value (0 unless it is on the unsigned grid; engine/int-program.ts) */
  zero(name: string): number;
  tap?: LayerTap;
}

/**
 * Lowering of one ONNX node whose data inputs all have int8 versions and whose output has a
 * scale (engine/lower.ts); the node has no fused activation.
 */
export interface LowerCtx {
  graph: Graph;
  qmax: number;
  node: Node;
  /** data inputs (initializers left out) */
  ins: string[];
  /** [scale, int8 value name] of each data input */
  intIn: [number, string][];
  /** zero offset of an int8 value made so far (inputs), and the one the output must get */
  zero(name: string): number;
  outZero: number;
  /** records the zero offset of an intermediate int8 value an op makes (not c.out) */
  setZero(name: string, z: number): void;
  /** the output tensor, its scale and dims, and the name its int8 version must get */
  outT: string;
  outScale: number;
  outDims: number[];
  out: string;
  push(op: IntOp): void;
}

export interface IntOpDef<K extends IntOpKind> {
  kind: K;
  /** the op code byte; native/src/format/eqm_op_codes.h has the same number */
  code: number;
  /** ONNX op types this int op implements when their inputs are int8 (see lower) */
  lowerFrom?: readonly string[];
  /** emits the int ops for c.node and returns true, or returns false to leave it in float */
  lower?(c: LowerCtx): boolean;
  /** checks the op against the tensors so far, defines its outputs and writes its record */
  encode(op: IntOpOf<K>, c: EncodeCtx): void;
  /** reads its record back (after the common header) and validates it */
  decode(c: DecodeCtx, name: string, what: string): EqmOpOf<K>;
  /** executes it in the integer reference */
  run(op: IntOpOf<K>, c: RunCtx): void;
}

/** An op definition of any kind, as the dispatchers see it (the registry pairs kinds and defs). */
export interface AnyIntOpDef {
  kind: IntOpKind;
  code: number;
  lowerFrom?: readonly string[];
  lower?(c: LowerCtx): boolean;
  encode(op: IntOp, c: EncodeCtx): void;
  decode(c: DecodeCtx, name: string, what: string): EqmOp;
  run(op: IntOp, c: RunCtx): void;
}
