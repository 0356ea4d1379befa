/** Pow (opset 1-25): numpy broadcasting from opset 7, legacy broadcast/axis attributes before. Float32 base; the exponent may be float32 or an integer tensor. */
import { binaryOp } from './binary.js';
import { LATEST_OPSET } from './util.js';

export const Pow = binaryOp('Pow', 1, LATEST_OPSET);
