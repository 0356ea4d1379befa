/** Div (opset 1-25): numpy broadcasting from opset 7, legacy broadcast/axis attributes before. float32, int64 and int32. */
import { binaryOp } from './binary.js';
import { LATEST_OPSET } from './util.js';

export const Div = binaryOp('Div', 1, LATEST_OPSET);
