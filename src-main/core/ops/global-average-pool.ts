/** GlobalAveragePool (opset 1-25): mean over all spatial axes, output [N,C,1,...]. */
import { globalPool } from './global-pool.js';
import { LATEST_OPSET } from './util.js';

export const GlobalAveragePool = globalPool('GlobalAveragePool', 1, LATEST_OPSET, 'avg');
