/** ReduceMax (opset 1-25); an empty reduction gives -Infinity (float) as onnxruntime; NaN wins. */
import type { OpDef } from './types.js';
import { reduceOp } from './reduce-common.js';

export const ReduceMax: OpDef = reduceOp('ReduceMax', -Infinity, (acc, v) => (v > acc || Number.isNaN(v) ? v : acc));
