/**
 * Helpers shared by the op kernels: error messages that name the node, input access,
 * axis normalisation, typed-array allocation by dtype and numpy broadcasting.
 */
import type { Node } from '../graph/ir.js';
import type { DType, FloatTensor, Tensor, TensorData } from '../graph/tensor.js';
import { numel } from '../graph/tensor.js';
import { UnsupportedOpError, type OpContext } from './types.js';

/** Highest default-domain opset the kernels are written against (ONNX 1.19: opset 25). */
export const LATEST_OPSET = 25;

export function fail(node: Node, msg: string): never {
  throw new Error(`node '${node.name}' (${node.op}): ${msg}`);
}

export function unsupported(node: Node, ctx: OpContext, detail: string): never {
  throw new UnsupportedOpError(node.name, node.op, ctx.opset, detail);
}

/** True when optional input i is present (named in the node and given). */
export function hasInput(node: Node, inputs: readonly (unknown | undefined)[], i: number): boolean {
  return i < node.inputs.length && node.inputs[i] !== '' && inputs[i] !== undefined;
}

export function req(node: Node, inputs: readonly (Tensor | undefined)[], i: number, what: string): Tensor {
  const t = inputs[i];
  if (!t) fail(node, `missing input ${i} (${what})`);
  return t;
}

export function reqFloat(node: Node, inputs: readonly (Tensor | undefined)[], i: number, what: string): FloatTensor {
  const t = req(node, inputs, i, what);
  if (t.dtype !== 'float32') fail(node, `input ${i} (${what}) must be float32, got ${t.dtype}`);
  return t as FloatTensor;
}

export function optFloat(node: Node, inputs: readonly (Tensor | undefined)[], i: number, what: string): FloatTensor | undefined {
  if (!hasInput(node, inputs, i)) return undefined;
  return reqFloat(node, inputs, i, what);
}

export function reqShape(node: Node, shapes: readonly (number[] | undefined)[], i: number, what: string): number[] {
  const s = shapes[i];
  if (!s) fail(node, `shape of input ${i} (${what}) is unknown`);
  return s;
}

/** A constant input needed for shape inference (Reshape shape, Slice starts, ...). */
export function reqConst(node: Node, consts: readonly (Tensor | undefined)[], i: number, what: string): Tensor {
  const t = consts[i];
  if (!t) fail(node, `input ${i} (${what}) must be a constant to infer the output shape`);
  return t;
}

export function ints(t: Tensor): number[] {
  const out: number[] = new Array(t.data.length);
  for (let i = 0; i < t.data.length; i++) out[i] = Number(t.data[i]);
  return out;
}

/** Normalises a possibly negative axis into [0, rank). */
export function normAxis(node: Node, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) fail(node, `${what} ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

export function allocData(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'int64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
  }
}

export function makeTensor(dtype: DType, dims: number[], data: TensorData): Tensor {
  if (data.length !== numel(dims)) throw new Error(`internal: data length ${data.length} does not match dims [${dims.join(',')}]`);
  return { dtype, dims: [...dims], data };
}

export function float(dims: number[], data: Float32Array): FloatTensor {
  return { dtype: 'float32', dims: [...dims], data };
}

/** A copy of t with new dims (used by the view ops so outputs never alias inputs). */
export function reshaped(t: Tensor, dims: number[]): Tensor {
  return { dtype: t.dtype, dims: [...dims], data: t.data.slice() };
}

export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i]!;
  }
  return s;
}

/** Multidirectional (numpy) broadcast of two shapes. */
export function broadcastShapes(node: Node, a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      fail(node, `shapes [${a.join(',')}] and [${b.join(',')}] cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides of a tensor with dims `dims` read as if broadcast to `out` (0 on broadcast axes),
 * right-aligned as numpy does.
 */
export function broadcastStrides(dims: readonly number[], out: readonly number[]): number[] {
  const s = stridesOf(dims);
  const r = out.length;
  const res = new Array<number>(r).fill(0);
  for (let i = 0; i < dims.length; i++) {
    const oi = r - dims.length + i;
    res[oi] = dims[i] === 1 && out[oi] !== 1 ? 0 : s[i]!;
  }
  return res;
}

/**
 * Merges adjacent output axes that can be iterated as one (for every operand the stride
 * relation holds), so broadcast loops run over long contiguous inner rows.
 */
export function coalesce(dims: readonly number[], strides: number[][]): { dims: number[]; strides: number[][] } {
  const d: number[] = [];
  const s: number[][] = strides.map(() => []);
  for (let i = 0; i < dims.length; i++) {
    if (dims[i] === 1) continue;
    const last = d.length - 1;
    if (last >= 0 && strides.every((st, k) => s[k]![last] === st[i]! * dims[i]!)) {
      d[last]! *= dims[i]!;
      for (let k = 0; k < strides.length; k++) s[k]![last] = strides[k]![i]!;
      continue;
    }
    d.push(dims[i]!);
    for (let k = 0; k < strides.length; k++) s[k]!.push(strides[k]![i]!);
  }
  if (d.length === 0) {
    d.push(1);
    for (const st of s) st.push(0);
  }
  return { dims: d, strides: s };
}

/** Fused activation of a Conv/Gemm/MatMul node as clamp bounds. */
export function actBounds(node: Node): { lo: number; hi: number } {
  const a = node.act;
  if (!a) return { lo: -Infinity, hi: Infinity };
  if (a.kind === 'relu') return { lo: 0, hi: Infinity };
  return { lo: a.min, hi: a.max };
}

export function applyBounds(y: Float32Array, lo: number, hi: number): void {
  if (lo === -Infinity && hi === Infinity) return;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    y[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

export function shapeStr(dims: readonly number[]): string {
  return `[${dims.join(',')}]`;
}
