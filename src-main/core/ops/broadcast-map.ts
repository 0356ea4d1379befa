/**
 * Generic n-ary numpy broadcasting for the small ops of shape computations and
 * post-processing (Max/Min, comparisons, Where, Expand): every output element reads each
 * operand through a precomputed index, then a scalar function combines them.
 */
import type { Node } from '../graph/ir.js';
import type { DType, Tensor } from '../graph/tensor.js';
import { numel } from '../graph/tensor.js';
import { allocData, broadcastShapes, broadcastStrides, makeTensor } from './util.js';

export function broadcastAll(node: Node, shapes: readonly (readonly number[])[]): number[] {
  return shapes.reduce<number[]>((acc, s) => broadcastShapes(node, acc, s), []);
}

/** For each element of `out`, the flat index into a tensor of dims `dims` broadcast to it. */
export function broadcastIndex(dims: readonly number[], out: readonly number[]): Int32Array {
  const n = numel(out);
  const idx = new Int32Array(n);
  const st = broadcastStrides(dims, out);
  const r = out.length;
  const pos = new Array<number>(r).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = off;
    for (let d = r - 1; d >= 0; d--) {
      pos[d]!++;
      off += st[d]!;
      if (pos[d]! < out[d]!) break;
      off -= st[d]! * out[d]!;
      pos[d] = 0;
    }
  }
  return idx;
}

/** y[i] = f(x0[i], x1[i], ...) over the broadcast shape of the inputs (and of extraDims, for Expand). */
export function broadcastMap(node: Node, xs: readonly Tensor[], dtype: DType, f: (v: number[]) => number, extraDims: readonly number[] = []): Tensor {
  const out = broadcastAll(node, [...xs.map((t) => t.dims), extraDims]);
  const idx = xs.map((t) => broadcastIndex(t.dims, out));
  const n = numel(out);
  const y = allocData(dtype, n);
  const v = new Array<number>(xs.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < xs.length; k++) v[k] = Number(xs[k]!.data[idx[k]![i]!]);
    y[i] = f(v);
  }
  return makeTensor(dtype, out, y);
}
