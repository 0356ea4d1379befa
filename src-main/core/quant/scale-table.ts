/**
 * The calibration result every exporter and engine consumes (serialised as scales.json).
 *
 * Scale convention (as in the EasyQuant paper and ncnn): a scale S is a multiplier,
 * q = clip(round(x * S), -qmax, qmax) and x ≈ q / S. ONNX QDQ and TensorRT use the
 * reciprocal (x ≈ q * scale); exporters convert.
 */
import { BITS_MAX, BITS_MIN, type CalibMethodName } from '../../contract/calib-settings.js';
export type CalibMethod = CalibMethodName;

export interface LayerScales {
  /** node name of the quantized Conv/Gemm/MatMul in the imported graph */
  name: string;
  op: string;
  /** activation tensor the layer reads (quantized with inputScale) */
  input: string;
  /** output tensor (after any fused activation) */
  output: string;
  /** weight initializer name */
  weight: string;
  /** one scale per output channel */
  weightScales: number[];
  /** scale of the input tensor (per tensor) */
  inputScale: number;
  /** per-layer cosine (FP32 vs quantized output) on the calibration set, when measured */
  cosine?: number;
  /** bits of this layer when they differ from the table's (per-layer precision) */
  bits?: number;
  /** bias correction: per output channel, added to the FP32 bias before it is quantized (core/quant/bias-correction.ts) */
  biasDelta?: number[];
  /** optimised weight rounding: base64 bitmask over the [cout][K] weight rows, bit set = the other of floor/ceil (core/quant/weight-rounding.ts) */
  weightRoundFlip?: string;
}

export interface ScaleTable {
  bits: number;
  qmax: number;
  method: CalibMethod;
  /** sha256 (hex) of the ONNX model file the table was made for */
  modelSha256: string;
  modelFile: string;
  layers: LayerScales[];
  /**
   * every activation tensor that runs in int8, with its scale: the layer inputs plus the
   * tensors that share a scale with them through pooling/concat/reshape
   */
  tensors: Record<string, number>;
  /** bits of the int8 tensors whose clamp differs from the table's bits (per-layer precision) */
  tensorBits?: Record<string, number>;
  /**
   * non-negative activations (ReLU outputs and what pools/concatenates them) run on the unsigned
   * grid: scale 2S and zero offset qmax instead of the symmetric scale S (quant/unsigned-acts.ts);
   * `tensors` keeps the symmetric S, which is what exporters without zero points use
   */
  unsignedActivations?: boolean;
  settings: Record<string, unknown>;
  createdAt: string;
}

/** qmax of a quantized layer of the table (its own bits, else the table's) */
export function layerQmax(table: ScaleTable, l: LayerScales): number {
  return l.bits === undefined ? table.qmax : qmaxForBits(l.bits);
}

/** qmax an int8 tensor is clamped to */
export function tensorQmax(table: ScaleTable, tensor: string): number {
  const b = table.tensorBits?.[tensor];
  return b === undefined ? table.qmax : qmaxForBits(b);
}

export function qmaxForBits(bits: number): number {
  if (!Number.isInteger(bits) || bits < BITS_MIN || bits > BITS_MAX) throw new Error(`bits must be an integer from ${BITS_MIN} to ${BITS_MAX}, got ${bits}`);
  return 2 ** (bits - 1) - 1;
}
