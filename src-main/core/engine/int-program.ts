/**
 * The integer program: the quantized graph lowered to int8 operations plus FP32 fallback
 * nodes. The TypeScript integer reference executes it; the native runtime compiles the same
 * program (EQM) and must reproduce it bit for bit. Arithmetic (see quant/rounding.ts):
 *
 *  quantize    q = clip(rne(f32(x * S)), -qmax, qmax)
 *  dequantize  x = f32(q * f32(1 / S))
 *  requantize  q' = clip(rne(f32(q * M)), -qmax, qmax),            M = f32(S_out / S_in)
 *  qlinear     acc = sum(xq * wq) + bq (int32), bq = rne(b * Sa * Sw)
 *              int8 out:  q = clip(rne(f32(f32(acc) * M_c)), lo, hi),  M_c = f32(S_out / (Sa * Sw_c))
 *                         lo/hi from the fused activation (Relu: 0..qmax, Clip: rne(f32(min*S_out))..)
 *              float out: y = act(f32(f32(acc) * D_c)),              D_c = f32(1 / (Sa * Sw_c))
 *  qmaxpool    max over the window (same scale); qrelu max(q, 0); qreshape copies data
 *  qavgpool    q = clip(rne(f32(f32(sum) * f32(S_out / (S_in * count)))), -qmax, qmax)
 *  qconcat     each input requantized to the output scale (copied when the scales are equal)
 *  qadd        q = clip(rne(f32(f32(qa * Ma) + f32(qb * Mb))), lo, hi), Ma = f32(S_out / S_a)
 *  qmul        q = clip(rne(f32(f32(qa * qb) * M))), M = f32(S_out / (S_a * S_b)), b broadcast
 *  qlut        q' = lut[q + 128], a 256-entry table of an activation (engine/lut-activations.ts)
 *  qpad        zero-constant Pad (same scale); qresize nearest/linear Resize in int32 fixed point
 *
 * Zero offsets (unsigned activations, quant/unsigned-acts.ts): an int8 value may carry z (intZeros;
 * 0 when absent): its stored v stands for u = v + z, x = u / S. Ops read v + z where they read q
 * above and store clip(rne(·) - z_out, lo, hi) where they store clip(rne(·), lo, hi); for
 * quantize / requantize / qconcat / qavgpool the clamp is [-qmax, qmax] on the stored value. A
 * qlinear reading z has z·Σw folded into its bias and no padding (the lowering pads with -z
 * through a qpad). qmaxpool, qreshape and qpad keep their input's z (qpad fills with -z); qadd,
 * qmul, qlut, qrelu and qresize only see z = 0.
 */
import type { Node } from '../graph/ir.js';
import type { Int8ResizeAxis } from '../quant/int8-data-ops.js';
import type { LinearGeom } from '../quant/linear-geom.js';

/** qmax: the int8 clamp of this op (per-layer precision); absent → the program's qmax */
export type IntOp = (
  | { kind: 'quantize'; input: string; output: string; scale: number }
  | { kind: 'dequantize'; input: string; output: string; scale: number }
  | { kind: 'requantize'; input: string; output: string; mult: number }
  | {
      kind: 'qlinear';
      name: string;
      node: Node;
      input: string;
      output: string;
      outDims: number[];
      geom: LinearGeom;
      wq: Int8Array;
      bias: Int32Array;
      /** int8 output at this scale, or undefined for a float output */
      outScale?: number;
      mult: Float32Array;
      lo: number;
      hi: number;
      /** dequantization of the accumulator for per-layer taps: 1/(Sa*Sw_c) */
      tapMult: Float64Array;
      floatAct?: { min: number; max: number };
    }
  | { kind: 'qmaxpool'; node: Node; input: string; output: string }
  | { kind: 'qrelu'; input: string; output: string }
  | { kind: 'qreshape'; input: string; output: string; outDims: number[] }
  | { kind: 'qavgpool'; node: Node; input: string; output: string; inScale: number; outScale: number; outDims: number[] }
  | { kind: 'qconcat'; inputs: string[]; output: string; axis: number; mults: number[]; outDims: number[] }
  | { kind: 'qadd'; a: string; b: string; output: string; multA: number; multB: number; lo: number; hi: number }
  | { kind: 'qlut'; input: string; output: string; lut: Int8Array }
  | { kind: 'qmul'; a: string; b: string; output: string; mult: number; inner: number; outDims: number[] }
  | { kind: 'qpad'; input: string; output: string; pads: number[]; outDims: number[] }
  | { kind: 'qresize'; input: string; output: string; outDims: number[]; h: Int8ResizeAxis; w: Int8ResizeAxis }
  | { kind: 'float'; node: Node; inputs: string[] }
) & { qmax?: number };

export interface IntProgram {
  qmax: number;
  ops: IntOp[];
  /** int8 value name → scale */
  intScales: Map<string, number>;
  /** int8 value name → zero offset z (unsigned activations); absent = 0 */
  intZeros?: Map<string, number>;
  /** graph input name (float) and graph outputs (float names) */
  input: string;
  outputs: string[];
}
