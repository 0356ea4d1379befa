/** Transpose (opset 1-25): any dtype; perm defaults to reversing the axes. */
import type { Node } from '../graph/ir.js';
import { attrInts } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import type { OpDef } from './types.js';
import { allocData, fail, LATEST_OPSET, makeTensor, req, reqShape, stridesOf } from './util.js';

function permOf(node: Node, rank: number): number[] {
  const dflt = Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const perm = attrInts(node, 'perm', dflt);
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => p < 0 || p >= rank)) {
    fail(node, `perm [${perm.join(',')}] is not a permutation of ${rank} axes`);
  }
  return perm;
}

export function transposeTensor(x: Tensor, perm: readonly number[]): Tensor {
  const r = x.dims.length;
  const outDims = perm.map((p) => x.dims[p]!);
  const inStr = stridesOf(x.dims);
  const src = perm.map((p) => inStr[p]!); // input stride of each output axis
  const n = x.data.length;
  const y = allocData(x.dtype, n);
  const xd = x.data;
  if (n === 0) return makeTensor(x.dtype, outDims, y);
  if (r === 0) {
    y[0] = xd[0]!;
    return makeTensor(x.dtype, outDims, y);
  }
  const inner = outDims[r - 1]!;
  const is = src[r - 1]!;
  const idx = new Array<number>(r).fill(0);
  let off = 0;
  for (let o = 0; o < n; o += inner) {
    for (let i = 0, s = off; i < inner; i++, s += is) y[o + i] = xd[s]!;
    for (let d = r - 2; d >= 0; d--) {
      idx[d]!++;
      off += src[d]!;
      if (idx[d]! < outDims[d]!) break;
      off -= src[d]! * outDims[d]!;
      idx[d] = 0;
    }
  }
  return makeTensor(x.dtype, outDims, y);
}

export const Transpose: OpDef = {
  op: 'Transpose',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs) {
    const x = req(node, inputs, 0, 'data');
    return [transposeTensor(x, permOf(node, x.dims.length))];
  },
  inferShape(node, shapes) {
    const x = reqShape(node, shapes, 0, 'data');
    return [permOf(node, x.length).map((p) => x[p]!)];
  },
};
