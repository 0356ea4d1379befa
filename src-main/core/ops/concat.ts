/** Concat (opset 1-25): any dtype, any axis (negative from opset 11; default 1 before opset 4). */
import type { Node } from '../graph/ir.js';
import { attrInt } from '../graph/ir.js';
import type { OpContext, OpDef } from './types.js';
import { allocData, fail, LATEST_OPSET, makeTensor, normAxis, shapeStr } from './util.js';

function outShape(node: Node, shapes: readonly (readonly number[])[], ctx: OpContext): { dims: number[]; axis: number } {
  if (shapes.length === 0) fail(node, 'needs at least one input');
  const first = shapes[0]!;
  const rank = first.length;
  if (rank === 0) fail(node, 'cannot concatenate scalars');
  const axisAttr = node.attrs['axis'];
  if (axisAttr === undefined && ctx.opset >= 4) fail(node, 'attribute axis is required');
  const axis = normAxis(node, attrInt(node, 'axis', 1), rank);
  const dims = [...first];
  dims[axis] = 0;
  for (const s of shapes) {
    if (s.length !== rank || s.some((d, i) => i !== axis && d !== first[i])) {
      fail(node, `input shapes ${shapes.map(shapeStr).join(', ')} differ outside axis ${axis}`);
    }
    dims[axis] += s[axis]!;
  }
  return { dims, axis };
}

export const Concat: OpDef = {
  op: 'Concat',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const ts = node.inputs.map((_, i) => {
      const t = inputs[i];
      if (!t) fail(node, `missing input ${i}`);
      return t;
    });
    const { dims, axis } = outShape(
      node,
      ts.map((t) => t.dims),
      ctx,
    );
    const dtype = ts[0]!.dtype;
    if (ts.some((t) => t.dtype !== dtype)) fail(node, `inputs have different types: ${ts.map((t) => t.dtype).join(', ')}`);
    let outer = 1;
    for (let i = 0; i < axis; i++) outer *= dims[i]!;
    let inner = 1;
    for (let i = axis + 1; i < dims.length; i++) inner *= dims[i]!;
    const rowOut = dims[axis]! * inner;
    const y = allocData(dtype, outer * rowOut);
    let off = 0;
    for (const t of ts) {
      const row = t.dims[axis]! * inner;
      const d = t.data;
      for (let o = 0; o < outer; o++) {
        (y as Float32Array).set((d as Float32Array).subarray(o * row, (o + 1) * row), o * rowOut + off);
      }
      off += row;
    }
    return [makeTensor(dtype, dims, y)];
  },
  inferShape(node, shapes, _consts, ctx) {
    const ss = node.inputs.map((_, i) => {
      const s = shapes[i];
      if (!s) fail(node, `shape of input ${i} is unknown`);
      return s;
    });
    return [outShape(node, ss, ctx).dims];
  },
};
