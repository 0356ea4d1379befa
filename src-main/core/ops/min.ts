/** Min (opset 6-25), see minmax.ts. */
import { minMaxOp } from './minmax.js';
import { LATEST_OPSET } from './util.js';

export const Min = minMaxOp('Min', 6, LATEST_OPSET);
