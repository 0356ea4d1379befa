/**
 * Shared plumbing for the float32 element-wise unary ops: each op file supplies its own
 * loop (so every loop stays monomorphic and is JIT-compiled on its own), this module adds
 * the input checks and the shape function.
 */
import type { Node } from '../graph/ir.js';
import type { Tensor } from '../graph/tensor.js';
import type { OpContext, OpDef } from './types.js';
import { float, reqFloat, reqShape } from './util.js';

export type UnaryKernel = (x: Float32Array, y: Float32Array, node: Node, inputs: (Tensor | undefined)[], ctx: OpContext) => void;

export function unaryOp(op: string, minOpset: number, maxOpset: number, kernel: UnaryKernel): OpDef {
  return {
    op,
    minOpset,
    maxOpset,
    run(node, inputs, ctx) {
      const x = reqFloat(node, inputs, 0, 'X');
      const y = new Float32Array(x.data.length);
      kernel(x.data, y, node, inputs, ctx);
      return [float(x.dims, y)];
    },
    inferShape(node, shapes) {
      return [[...reqShape(node, shapes, 0, 'X')]];
    },
  };
}
