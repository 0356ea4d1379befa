/** Full FP32 activations of the calibration images, read back per tensor and image (io/activation-store.ts keeps them on disk). */
export interface ActivationSource {
  /** images stored for this tensor */
  count(name: string): number;
  /** the activation of one image */
  read(name: string, index: number): Float32Array;
  /** every stored image of this tensor, in order */
  readAll(name: string): Float32Array[];
}
