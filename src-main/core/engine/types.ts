/** Common shapes of the evaluation engines. */
import type { FloatTensor } from '../graph/tensor.js';

import type { EngineKind } from '../../contract/engine.js';

export type { EngineKind };

/** Receives each quantized layer's pre-activation output (output layout, float) for per-layer cosines. */
export type LayerTap = (layer: string, preAct: Float32Array) => void;

/** A graph input other than the first, fed alongside it (multi-input models). */
export interface InputFeed {
  name: string;
  dims: number[];
  data: Float32Array;
}

export interface EngineRun {
  outputs: FloatTensor[];
}
