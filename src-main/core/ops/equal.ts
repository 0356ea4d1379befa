/** Equal (opset 7-25; legacy broadcast attributes before 7 are not implemented). */
import { compareOp } from './compare.js';
import { LATEST_OPSET } from './util.js';

export const Equal = compareOp('Equal', 7, LATEST_OPSET, (a, b) => a === b);
