/** The decoded form of an EQM file (what the reader returns; layout: docs/eqm-format.md). */
import type { PoolGeom } from '../engine/int-pool.js';
import type { Int8ResizeAxis } from '../quant/int8-data-ops.js';
import type { LinearGeom } from '../quant/linear-geom.js';
import type { EqmDType } from './format.js';

export interface EqmTensor {
  name: string;
  dtype: EqmDType;
  kind: 'value' | 'constant' | 'input';
  dims: number[];
  scale: number;
  /** int8 values: zero offset z (stored v stands for v + z; 0 on the symmetric grid) */
  zero: number;
  /** constants only: little-endian element bytes */
  data?: Uint8Array;
}

/** The reader returns the same geometry records the writer took (quant/linear-geom.ts, engine/int-pool.ts). */
export type EqmLinearGeom = LinearGeom;
export type EqmPoolGeom = Omit<PoolGeom, 'spatialRank'>;

export type EqmAttr = number | number[] | string | string[];

/** qmax: the int8 clamp of this op (per-layer precision); absent → the program's qmax */
export type EqmOp = (
  | { kind: 'quantize'; name: string; input: number; output: number; scale: number }
  | { kind: 'dequantize'; name: string; input: number; output: number; scale: number }
  | { kind: 'requantize'; name: string; input: number; output: number; mult: number }
  | {
      kind: 'qlinear';
      name: string;
      input: number;
      output: number;
      geom: EqmLinearGeom;
      intOutput: boolean;
      lo: number;
      hi: number;
      outScale: number;
      floatAct?: { min: number; max: number };
      wq: Int8Array;
      bias: Int32Array;
      mult: Float32Array;
      tapMult: Float64Array;
    }
  | { kind: 'qmaxpool'; name: string; input: number; output: number; geom: EqmPoolGeom }
  | { kind: 'qavgpool'; name: string; input: number; output: number; geom: EqmPoolGeom; inScale: number; outScale: number }
  | { kind: 'qrelu'; name: string; input: number; output: number }
  | { kind: 'qreshape'; name: string; input: number; output: number }
  | { kind: 'qconcat'; name: string; inputs: number[]; mults: number[]; output: number; axis: number }
  | { kind: 'qadd'; name: string; a: number; b: number; output: number; multA: number; multB: number; lo: number; hi: number }
  | { kind: 'qlut'; name: string; input: number; output: number; lut: Int8Array }
  | { kind: 'qmul'; name: string; a: number; b: number; output: number; mult: number; inner: number }
  | { kind: 'qpad'; name: string; input: number; output: number; pads: number[] }
  | { kind: 'qresize'; name: string; input: number; output: number; h: Int8ResizeAxis; w: Int8ResizeAxis }
  | {
      kind: 'float';
      name: string;
      opType: string;
      domain: string;
      act?: { kind: 'relu' | 'clip'; min: number; max: number };
      inputs: number[];
      outputs: number[];
      attrs: Record<string, EqmAttr>;
    }
) & { qmax?: number };

export interface EqmModel {
  version: number;
  opset: number;
  qmax: number;
  input: number;
  outputs: number[];
  tensors: EqmTensor[];
  ops: EqmOp[];
}
