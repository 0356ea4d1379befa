/**
 * ConstantOfShape (opset 9-25): a tensor of the shape given by int64 input 0, filled with
 * the one-element attribute `value` (float32 0 when absent), of that value's dtype.
 */
import type { Node } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import { numel } from '../graph/tensor.js';
import type { OpDef } from './types.js';
import { allocData, fail, ints, LATEST_OPSET, makeTensor, req, reqConst, shapeStr } from './util.js';

function dimsOf(node: Node, shape: Tensor): number[] {
  if (shape.dims.length !== 1) fail(node, `shape input must be 1-D, got ${shapeStr(shape.dims)}`);
  const d = ints(shape);
  if (d.some((v) => v < 0 || !Number.isInteger(v))) fail(node, `shape ${shapeStr(d)} has a negative or non-integer value`);
  return d;
}

function fillValue(node: Node): Tensor {
  const v = node.attrs['value'];
  if (v === undefined) return { dtype: 'float32', dims: [1], data: new Float32Array(1) };
  if (typeof v !== 'object' || Array.isArray(v) || 'subgraph' in v) fail(node, 'attribute value must be a tensor');
  if (v.data.length !== 1) fail(node, `attribute value must have one element, got ${v.data.length}`);
  return v;
}

export const ConstantOfShape: OpDef = {
  op: 'ConstantOfShape',
  minOpset: 9,
  maxOpset: LATEST_OPSET,
  run(node, inputs) {
    const dims = dimsOf(node, req(node, inputs, 0, 'input'));
    const v = fillValue(node);
    const y = allocData(v.dtype, numel(dims));
    y.fill(v.data[0]! as never);
    return [makeTensor(v.dtype, dims, y)];
  },
  inferShape(node, _shapes, consts) {
    return [dimsOf(node, reqConst(node, consts, 0, 'input'))];
  },
};
