/**
 * Broadcasting element-wise binary ops (Add, Sub, Mul, Div, Pow, PRelu).
 * Opset >= 7: numpy multidirectional broadcasting. Opset < 7: legacy broadcasting
 * (attribute broadcast=1 aligns B with A starting at attribute axis; without it the
 * shapes must match).
 */
import type { Node } from '../graph/ir.js';
import { attrInt } from '../graph/ir.js';
import type { Tensor, TensorData } from '../graph/tensor.js';
import { numel } from '../graph/tensor.js';
import type { OpContext, OpDef } from './types.js';
import { allocData, broadcastShapes, broadcastStrides, coalesce, fail, makeTensor, req, reqShape, shapeStr } from './util.js';

export type BinKind = 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow' | 'PRelu';

/** Row kernel: y[yo + i] = f(a[ao + i*ia], b[bo + i*ib]) for i < n. */
type RowKernel = (a: TensorData, ao: number, ia: number, b: TensorData, bo: number, ib: number, y: TensorData, yo: number, n: number) => void;

const addK: RowKernel = (a, ao, ia, b, bo, ib, y, yo, n) => {
  for (let i = 0; i < n; i++, ao += ia, bo += ib) y[yo + i] = a[ao]! + b[bo]!;
};
const subK: RowKernel = (a, ao, ia, b, bo, ib, y, yo, n) => {
  for (let i = 0; i < n; i++, ao += ia, bo += ib) y[yo + i] = a[ao]! - b[bo]!;
};
const mulK: RowKernel = (a, ao, ia, b, bo, ib, y, yo, n) => {
  for (let i = 0; i < n; i++, ao += ia, bo += ib) y[yo + i] = a[ao]! * b[bo]!;
};
const divK: RowKernel = (a, ao, ia, b, bo, ib, y, yo, n) => {
  for (let i = 0; i < n; i++, ao += ia, bo += ib) y[yo + i] = a[ao]! / b[bo]!;
};
const powK: RowKernel = (a, ao, ia, b, bo, ib, y, yo, n) => {
  for (let i = 0; i < n; i++, ao += ia, bo += ib) y[yo + i] = Math.pow(a[ao]!, b[bo]!);
};
const preluK: RowKernel = (a, ao, ia, b, bo, ib, y, yo, n) => {
  for (let i = 0; i < n; i++, ao += ia, bo += ib) {
    const v = a[ao]!;
    y[yo + i] = v < 0 ? v * b[bo]! : v;
  }
};
/** integer division truncates toward zero, as in C */
function intDivK(node: Node): RowKernel {
  return (a, ao, ia, b, bo, ib, y, yo, n) => {
    for (let i = 0; i < n; i++, ao += ia, bo += ib) {
      const d = b[bo]!;
      if (d === 0) fail(node, 'integer division by zero');
      y[yo + i] = Math.trunc(a[ao]! / d);
    }
  };
}

function kernelFor(node: Node, kind: BinKind, intType: boolean): RowKernel {
  switch (kind) {
    case 'Add':
      return addK;
    case 'Sub':
      return subK;
    case 'Mul':
      return mulK;
    case 'Div':
      return intType ? intDivK(node) : divK;
    case 'Pow':
      return powK;
    case 'PRelu':
      return preluK;
  }
}

/** Shape B is read with: legacy (opset < 7) broadcast rules turned into numpy ones. */
function effectiveBDims(node: Node, kind: BinKind, a: readonly number[], b: readonly number[], ctx: OpContext): number[] {
  if (kind === 'PRelu') {
    // opset < 7: a 1-D slope of size C applies per channel (axis 1)
    if (ctx.opset < 7 && b.length === 1 && a.length > 2 && b[0] === a[1] && b[0] !== 1) {
      return [b[0]!, ...new Array<number>(a.length - 2).fill(1)];
    }
    return [...b];
  }
  if (ctx.opset >= 7) return [...b];
  if (attrInt(node, 'broadcast', 0) === 0) {
    if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
      fail(node, `shapes ${shapeStr(a)} and ${shapeStr(b)} differ and broadcast is not enabled (opset ${ctx.opset})`);
    }
    return [...b];
  }
  let axis = attrInt(node, 'axis', a.length - b.length);
  if (axis < 0) axis += a.length;
  if (axis < 0 || axis + b.length > a.length) fail(node, `legacy broadcast of ${shapeStr(b)} onto ${shapeStr(a)} at axis ${axis} is out of range`);
  const dims = new Array<number>(a.length).fill(1);
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== a[axis + i] && b[i] !== 1) fail(node, `legacy broadcast: ${shapeStr(b)} does not match ${shapeStr(a)} at axis ${axis}`);
    dims[axis + i] = b[i]!;
  }
  return dims;
}

function outShape(node: Node, kind: BinKind, a: readonly number[], b: readonly number[], ctx: OpContext): number[] {
  const bd = effectiveBDims(node, kind, a, b, ctx);
  const out = broadcastShapes(node, a, bd);
  if (kind === 'PRelu' && (out.length !== a.length || out.some((d, i) => d !== a[i]))) {
    fail(node, `slope ${shapeStr(b)} is not unidirectionally broadcastable to X ${shapeStr(a)}`);
  }
  return out;
}

export function binaryRun(node: Node, inputs: (Tensor | undefined)[], ctx: OpContext, kind: BinKind): Tensor[] {
  const A = req(node, inputs, 0, 'A');
  const B = req(node, inputs, 1, 'B');
  const dtype = A.dtype;
  if (kind === 'Pow' || kind === 'PRelu') {
    if (dtype !== 'float32') fail(node, `input A must be float32, got ${dtype}`);
  } else {
    if (dtype !== B.dtype) fail(node, `input types differ: ${A.dtype} and ${B.dtype}`);
    if (dtype !== 'float32' && dtype !== 'int64' && dtype !== 'int32') fail(node, `unsupported input type ${dtype}`);
  }
  const bDims = effectiveBDims(node, kind, A.dims, B.dims, ctx);
  const out = outShape(node, kind, A.dims, B.dims, ctx);
  const n = numel(out);
  const y = allocData(dtype, n);
  const k = kernelFor(node, kind, dtype !== 'float32');
  if (n === 0) return [makeTensor(dtype, out, y)];
  const a = A.data;
  const b = B.data;
  if (a.length === n && b.length === n) {
    k(a, 0, 1, b, 0, 1, y, 0, n);
  } else if (b.length === 1 && a.length === n) {
    k(a, 0, 1, b, 0, 0, y, 0, n);
  } else if (a.length === 1 && b.length === n) {
    k(a, 0, 0, b, 0, 1, y, 0, n);
  } else {
    const c = coalesce(out, [broadcastStrides(A.dims, out), broadcastStrides(bDims, out)]);
    const dims = c.dims;
    const sa = c.strides[0]!;
    const sb = c.strides[1]!;
    const r = dims.length;
    const inner = dims[r - 1]!;
    const ia = sa[r - 1]!;
    const ib = sb[r - 1]!;
    const rows = n / inner;
    const idx = new Array<number>(r).fill(0);
    let ao = 0;
    let bo = 0;
    for (let row = 0; row < rows; row++) {
      k(a, ao, ia, b, bo, ib, y, row * inner, inner);
      for (let d = r - 2; d >= 0; d--) {
        idx[d]!++;
        ao += sa[d]!;
        bo += sb[d]!;
        if (idx[d]! < dims[d]!) break;
        ao -= sa[d]! * dims[d]!;
        bo -= sb[d]! * dims[d]!;
        idx[d] = 0;
      }
    }
  }
  return [makeTensor(dtype, out, y)];
}

export function binaryOp(op: BinKind, minOpset: number, maxOpset: number): OpDef {
  return {
    op,
    minOpset,
    maxOpset,
    run(node, inputs, ctx) {
      return binaryRun(node, inputs, ctx, op);
    },
    inferShape(node, shapes, _consts, ctx) {
      return [outShape(node, op, reqShape(node, shapes, 0, 'A'), reqShape(node, shapes, 1, 'B'), ctx)];
    },
  };
}
