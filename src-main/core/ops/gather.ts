/**
 * Gather (opset 1-25): out = data.shape[:axis] + indices.shape + data.shape[axis+1:].
 * Data of any dtype (float32, int64, ...); indices int64 or int32, negative values count
 * from the end (opset >= 11).
 */
import type { Node } from '../graph/ir.js';
import { attrInt } from '../graph/ir.js';
import type { OpDef } from './types.js';
import { allocData, fail, LATEST_OPSET, makeTensor, normAxis, req, reqShape } from './util.js';

function outShape(node: Node, data: readonly number[], idx: readonly number[]): { dims: number[]; axis: number } {
  if (data.length === 0) fail(node, 'data must have rank >= 1');
  const axis = normAxis(node, attrInt(node, 'axis', 0), data.length);
  return { dims: [...data.slice(0, axis), ...idx, ...data.slice(axis + 1)], axis };
}

export const Gather: OpDef = {
  op: 'Gather',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs) {
    const x = req(node, inputs, 0, 'data');
    const ind = req(node, inputs, 1, 'indices');
    if (ind.dtype !== 'int64' && ind.dtype !== 'int32') fail(node, `indices must be int64 or int32, got ${ind.dtype}`);
    const { dims, axis } = outShape(node, x.dims, ind.dims);
    let outer = 1;
    for (let i = 0; i < axis; i++) outer *= x.dims[i]!;
    let inner = 1;
    for (let i = axis + 1; i < x.dims.length; i++) inner *= x.dims[i]!;
    const d = x.dims[axis]!;
    const ni = ind.data.length;
    const y = allocData(x.dtype, outer * ni * inner);
    const xd = x.data;
    for (let j = 0; j < ni; j++) {
      let k = Number(ind.data[j]);
      if (k < -d || k >= d) fail(node, `index ${k} is out of range for axis ${axis} of size ${d}`);
      if (k < 0) k += d;
      for (let o = 0; o < outer; o++) {
        const src = (o * d + k) * inner;
        const dst = (o * ni + j) * inner;
        for (let i = 0; i < inner; i++) y[dst + i] = xd[src + i]!;
      }
    }
    return [makeTensor(x.dtype, dims, y)];
  },
  inferShape(node, shapes) {
    return [outShape(node, reqShape(node, shapes, 0, 'data'), reqShape(node, shapes, 1, 'indices')).dims];
  },
};
