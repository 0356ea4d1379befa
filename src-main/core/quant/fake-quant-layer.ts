/**
 * Fake-quantized forward of one quantized layer: Q(x,Sa) * Q(W,Sw) / (Sa*Sw) + b, computed
 * with exact integer products (float64 accumulation), optionally on sampled output positions.
 */
import { rne } from './rounding.js';
import { flipBit, roundedWeight } from './weight-rounding.js';
import { intLinear } from './int-gemm.js';
import { linearForward, type LinearGeom } from './linear-geom.js';
import type { QuantLayer } from './plan.js';
import { gridScale } from './unsigned-acts.js';

const f32 = Math.fround;

function inputDims(l: QuantLayer): number[] {
  return l.geom.kind === 'conv' ? [1, l.geom.cin, l.geom.inH, l.geom.inW] : [l.geom.P, l.geom.K];
}

/** Per-channel quantized weights [cout][K] as integers; `flips`: the optimised rounding (core/quant/weight-rounding.ts). */
export function quantizeWeights(layer: QuantLayer, scales: ArrayLike<number>, qmax: number, flips?: Uint8Array): Int8Array {
  const { cout, K } = layer.geom;
  if (flips && flips.length !== Math.ceil((cout * K) / 8)) throw new Error(`layer '${layer.name}': weight rounding mask of ${flips.length} bytes for ${cout * K} weights`);
  const out = new Int8Array(cout * K);
  for (let c = 0; c < cout; c++) {
    const s = f32(scales[c]!);
    for (let k = 0; k < K; k++) {
      const i = c * K + k;
      out[i] = roundedWeight(layer.wRows[i]!, s, qmax, flips !== undefined && flipBit(flips, i));
    }
  }
  return out;
}

export function quantizeInput(x: ArrayLike<number>, scale: number, qmax: number): Float64Array {
  const s = f32(scale);
  const o = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const q = rne(f32(x[i]! * s));
    o[i] = q > qmax ? qmax : q < -qmax ? -qmax : q;
  }
  return o;
}

/**
 * A non-negative input on the unsigned grid (quant/unsigned-acts.ts): u = clip(rne(f32(x * S)), 0, 2 qmax)
 * with S the doubled scale; the integer program stores u - qmax, which holds the same values.
 */
export function quantizeInputUnsigned(x: ArrayLike<number>, scale: number, qmax: number): Float64Array {
  const s = f32(scale);
  const top = 2 * qmax;
  const o = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const q = rne(f32(x[i]! * s));
    o[i] = q > top ? top : q < 0 ? 0 : q;
  }
  return o;
}

/** Pre-activation output [cout][np] of the fake-quantized layer. */
export function fakeQuantPreAct(
  layer: QuantLayer,
  xq: ArrayLike<number>,
  aScale: number,
  wq: Int8Array,
  wScales: ArrayLike<number>,
  positions?: Int32Array,
  qmax = 127,
  opset = 13,
): Float64Array {
  const y0 = positions ? linearForward(xq, layer.geom, wq, positions) : intLinear(layer.node, opset, layer.geom, xq, inputDims(layer), wq, qmax, qmax);
  const y = y0 instanceof Float64Array ? y0 : Float64Array.from(y0);
  const np = positions ? positions.length : layer.geom.P;
  const sa = f32(aScale);
  for (let c = 0; c < layer.geom.cout; c++) {
    const inv = 1 / (sa * f32(wScales[c]!));
    const b = layer.bias[c]!;
    for (let j = 0; j < np; j++) y[c * np + j] = y[c * np + j]! * inv + b;
  }
  return y;
}

/** Converts a [cout][P] result to the layer's output tensor layout (NCHW, or [M][N] for Gemm). */
export function toOutputLayout(g: LinearGeom, y: ArrayLike<number>): Float32Array {
  const out = new Float32Array(g.cout * g.P);
  if (g.kind === 'conv') {
    for (let i = 0; i < out.length; i++) out[i] = y[i]!;
  } else {
    for (let c = 0; c < g.cout; c++) for (let m = 0; m < g.P; m++) out[m * g.cout + c] = y[c * g.P + m]!;
  }
  return out;
}

/** Takes sampled positions [cout][np] from a tensor in the layer's output layout. */
export function sampleOutput(g: LinearGeom, t: ArrayLike<number>, positions?: Int32Array): Float32Array {
  const np = positions ? positions.length : g.P;
  const out = new Float32Array(g.cout * np);
  for (let c = 0; c < g.cout; c++) {
    for (let j = 0; j < np; j++) {
      const p = positions ? positions[j]! : j;
      out[c * np + j] = g.kind === 'conv' ? t[c * g.P + p]! : t[p * g.cout + c]!;
    }
  }
  return out;
}

/** cos(a, b); both zero → 1, one zero → 0. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>, offA = 0, offB = 0, n = a.length): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[offA + i]!;
    const y = b[offB + i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (aa === 0 && bb === 0) return 1;
  if (aa === 0 || bb === 0) return 0;
  return ab / Math.sqrt(aa * bb);
}

/** The quantized input of a layer as the integer program sees it: its step and its quantizer. */
export interface InputGrid {
  scale(aScale: number): number;
  quantize(x: ArrayLike<number>, effScale: number, qmax: number): Float64Array;
}

/**
 * The input grid of a layer: on the unsigned grid (quant/unsigned-acts.ts) the table's scale S
 * is applied as 2S to u = clip(rne(x * 2S), 0, 2 qmax); otherwise as S to clip(rne(x * S), ±qmax).
 */
export function inputGrid(unsigned: boolean): InputGrid {
  return { scale: (s) => gridScale(s, unsigned), quantize: unsigned ? quantizeInputUnsigned : quantizeInput };
}
