/** Range (opset 11-25): start, start+delta, ... up to limit (exclusive); scalar inputs of one dtype. */
import type { Node } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import type { OpDef } from './types.js';
import { allocData, fail, LATEST_OPSET, makeTensor, req, reqConst } from './util.js';

function scalar(node: Node, t: Tensor, what: string): number {
  if (t.data.length !== 1) fail(node, `${what} must be a scalar, got ${t.data.length} elements`);
  return Number(t.data[0]);
}

function count(node: Node, ins: readonly Tensor[]): number {
  const [s, l, d] = [scalar(node, ins[0]!, 'start'), scalar(node, ins[1]!, 'limit'), scalar(node, ins[2]!, 'delta')];
  if (d === 0) fail(node, 'delta must not be 0');
  return Math.max(0, Math.ceil((l - s) / d));
}

export const Range: OpDef = {
  op: 'Range',
  minOpset: 11,
  maxOpset: LATEST_OPSET,
  run(node, inputs) {
    const ins = [req(node, inputs, 0, 'start'), req(node, inputs, 1, 'limit'), req(node, inputs, 2, 'delta')];
    const n = count(node, ins);
    const start = Number(ins[0]!.data[0]);
    const delta = Number(ins[2]!.data[0]);
    const y = allocData(ins[0]!.dtype, n);
    for (let i = 0; i < n; i++) y[i] = start + i * delta;
    return [makeTensor(ins[0]!.dtype, [n], y)];
  },
  inferShape(node, _shapes, consts) {
    const ins = [reqConst(node, consts, 0, 'start'), reqConst(node, consts, 1, 'limit'), reqConst(node, consts, 2, 'delta')];
    return [[count(node, ins)]];
  },
};
