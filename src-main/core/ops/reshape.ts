/**
 * Reshape: opset 1-4 take the target shape from attribute `shape`, opset 5-25 from input 1
 * (int64). 0 copies the input dimension (unless allowzero=1, opset >= 14), -1 is inferred.
 */
import type { Node } from '../graph/ir.js';
import { attrInt, attrInts } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import { numel } from '../graph/tensor.js';
import type { OpContext, OpDef } from './types.js';
import { fail, ints, LATEST_OPSET, req, reqConst, reqShape, reshaped, shapeStr } from './util.js';

export function reshapeDims(node: Node, input: readonly number[], shape: readonly number[], allowZero: boolean): number[] {
  const out = shape.map((v, i) => {
    if (v === 0 && !allowZero) {
      if (i >= input.length) fail(node, `shape ${shapeStr(shape)}: 0 at position ${i} has no input dimension to copy (input ${shapeStr(input)})`);
      return input[i]!;
    }
    return v;
  });
  const total = numel(input);
  const neg = out.filter((v) => v === -1).length;
  if (neg > 1) fail(node, `shape ${shapeStr(shape)} has more than one -1`);
  if (out.some((v) => v < -1 || !Number.isInteger(v))) fail(node, `shape ${shapeStr(shape)} has an invalid value`);
  if (allowZero && neg === 1 && out.includes(0)) fail(node, `shape ${shapeStr(shape)} combines -1 with 0 while allowzero=1`);
  if (neg === 1) {
    const known = out.reduce((p, v) => (v === -1 ? p : p * v), 1);
    if (known === 0 || total % known !== 0) fail(node, `cannot reshape ${shapeStr(input)} (${total} elements) to ${shapeStr(shape)}`);
    out[out.indexOf(-1)] = total / known;
  }
  if (numel(out) !== total) fail(node, `cannot reshape ${shapeStr(input)} (${total} elements) to ${shapeStr(shape)}`);
  return out;
}

function targetShape(node: Node, shapeInput: Tensor | undefined, ctx: OpContext): number[] {
  if (ctx.opset < 5) {
    if (node.attrs['shape'] === undefined) fail(node, 'attribute shape is required before opset 5');
    return attrInts(node, 'shape', []);
  }
  if (!shapeInput) fail(node, 'input 1 (shape) is missing');
  if (shapeInput.dims.length !== 1) fail(node, `shape input must be 1-D, got ${shapeStr(shapeInput.dims)}`);
  return ints(shapeInput);
}

export const Reshape: OpDef = {
  op: 'Reshape',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const x = req(node, inputs, 0, 'data');
    const shape = targetShape(node, ctx.opset < 5 ? undefined : req(node, inputs, 1, 'shape'), ctx);
    const allowZero = ctx.opset >= 14 && attrInt(node, 'allowzero', 0) !== 0;
    return [reshaped(x, reshapeDims(node, x.dims, shape, allowZero))];
  },
  inferShape(node, shapes, consts, ctx) {
    const x = reqShape(node, shapes, 0, 'data');
    const shape = targetShape(node, ctx.opset < 5 ? undefined : reqConst(node, consts, 1, 'shape'), ctx);
    const allowZero = ctx.opset >= 14 && attrInt(node, 'allowzero', 0) !== 0;
    return [reshapeDims(node, x, shape, allowZero)];
  },
};
