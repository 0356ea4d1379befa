/** Common shapes of the evaluation engines. */
import type { FloatTensor } from '../graph/tensor.js';

import type { EngineKind } from '../../contract/engine.js';

export type { EngineKind };

/** Receives each quantized layer's pre-activation output (output layout, float) for per-layer cosines. */
export type LayerTap = (layer: string, preAct: Float32Array) => void;

export interface EngineRun {
  outputs: FloatTensor[];
}
