/** ReduceProd (opset 1-25); used in shape chains (Shape → Slice → ReduceProd) of flattens. */
import type { OpDef } from './types.js';
import { reduceOp } from './reduce-common.js';

export const ReduceProd: OpDef = reduceOp('ReduceProd', 1, (acc, v) => acc * v);
