/** GreaterOrEqual (opset 12-25). */
import { compareOp } from './compare.js';
import { LATEST_OPSET } from './util.js';

export const GreaterOrEqual = compareOp('GreaterOrEqual', 12, LATEST_OPSET, (a, b) => a >= b);
