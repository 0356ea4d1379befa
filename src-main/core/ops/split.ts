/**
 * Split (opset 2-25) along `axis`: sizes from attribute split (opset < 13) or input 1
 * (opset >= 13); without them, equal parts over the outputs (opset >= 18: `num_outputs`
 * parts, the last one smaller when the axis does not divide). Any dtype.
 */
import type { Node } from '../graph/ir.js';
import { attrInt, attrInts } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import type { OpContext, OpDef } from './types.js';
import { allocData, fail, hasInput, ints, LATEST_OPSET, makeTensor, normAxis, req, reqShape, shapeStr } from './util.js';

function sizes(node: Node, dims: readonly number[], src: readonly (Tensor | undefined)[], ctx: OpContext, forShape: boolean): { axis: number; parts: number[] } {
  const axis = normAxis(node, attrInt(node, 'axis', 0), dims.length);
  const d = dims[axis]!;
  const nOut = node.outputs.length;
  let parts: number[] | undefined;
  if (ctx.opset < 13) {
    if (node.attrs['split'] !== undefined) parts = attrInts(node, 'split', []);
  } else if (hasInput(node, src, 1)) {
    parts = ints(src[1]!);
  } else if (forShape && node.inputs.length > 1 && node.inputs[1] !== '') {
    fail(node, 'input 1 (split) must be a constant to infer the output shape');
  }
  if (!parts) {
    const n = ctx.opset >= 18 && node.attrs['num_outputs'] !== undefined ? attrInt(node, 'num_outputs', nOut) : nOut;
    if (n <= 0) fail(node, 'needs at least one output');
    const chunk = ctx.opset >= 18 ? Math.ceil(d / n) : d / n;
    if (!Number.isInteger(chunk)) fail(node, `axis ${axis} of size ${d} cannot be split into ${n} equal parts`);
    parts = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, d - i * chunk)));
  }
  if (parts.length !== nOut) fail(node, `split ${shapeStr(parts)} has ${parts.length} parts for ${nOut} outputs`);
  if (parts.some((p) => p < 0) || parts.reduce((a, b) => a + b, 0) !== d) fail(node, `split ${shapeStr(parts)} does not add up to axis ${axis} of size ${d}`);
  return { axis, parts };
}

export const Split: OpDef = {
  op: 'Split',
  minOpset: 2,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const x = req(node, inputs, 0, 'input');
    const { axis, parts } = sizes(node, x.dims, inputs, ctx, false);
    let outer = 1;
    for (let i = 0; i < axis; i++) outer *= x.dims[i]!;
    let inner = 1;
    for (let i = axis + 1; i < x.dims.length; i++) inner *= x.dims[i]!;
    const row = x.dims[axis]! * inner;
    let off = 0;
    return parts.map((p) => {
      const dims = [...x.dims];
      dims[axis] = p;
      const y = allocData(x.dtype, outer * p * inner);
      for (let o = 0; o < outer; o++) (y as Float32Array).set((x.data as Float32Array).subarray(o * row + off, o * row + off + p * inner), o * p * inner);
      off += p * inner;
      return makeTensor(x.dtype, dims, y);
    });
  },
  inferShape(node, shapes, consts, ctx) {
    const x = reqShape(node, shapes, 0, 'input');
    const { axis, parts } = sizes(node, x, consts, ctx, true);
    return parts.map((p) => x.map((d, i) => (i === axis ? p : d)));
  },
};
