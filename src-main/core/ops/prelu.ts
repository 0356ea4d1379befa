/**
 * PRelu (opset 1-25): y = x < 0 ? slope * x : x. The slope broadcasts unidirectionally to X
 * (opset >= 7); before opset 7 a 1-D slope of size C applies per channel.
 */
import { binaryOp } from './binary.js';
import { LATEST_OPSET } from './util.js';

export const PRelu = binaryOp('PRelu', 1, LATEST_OPSET);
