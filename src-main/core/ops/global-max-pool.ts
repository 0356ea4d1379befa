/** GlobalMaxPool (opset 1-25): max over all spatial axes, output [N,C,1,...]. */
import { globalPool } from './global-pool.js';
import { LATEST_OPSET } from './util.js';

export const GlobalMaxPool = globalPool('GlobalMaxPool', 1, LATEST_OPSET, 'max');
