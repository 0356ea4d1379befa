/**
 * What the FP32 reference pass over the calibration images yields (engines/capture.ts fills
 * it through onnxruntime); the calibrators only read it.
 */
import type { ActivationSource } from './activation-source.js';

export interface CalibCapture {
  images: number;
  maxAbs: Map<string, number>;
  /** layer name → sampled positions (undefined = all) */
  positions: Map<string, Int32Array | undefined>;
  /** layer name → per image [cout][np] FP32 pre-activation outputs */
  preAct: Map<string, Float32Array[]>;
  /** full FP32 group inputs, per image */
  store: ActivationSource;
  /** FP32 graph outputs per image (for agreement checks) */
  dispose(): void;
}

/** A graph input other than the first: its dims and one tensor per calibration sample. */
export interface ExtraInput {
  name: string;
  dims: number[];
  samples: Float32Array[];
}
