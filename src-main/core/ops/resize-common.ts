/**
 * Interpolation shared by Resize and Upsample. Every resized axis gets a table of taps
 * (input index + weight per output index: 1 tap for nearest, 2 for linear, 4 for cubic);
 * axes are applied one after another on float64 buffers (separable N-D interpolation, as
 * the ONNX reference does), and the result is rounded to float32 once.
 * Coordinate arithmetic is done in float32 (Math.fround) to pick the same nearest
 * neighbours as onnxruntime, and, as there, an axis with scale 1 is left untouched.
 */
import type { Node } from '../graph/ir.js';
import { fail } from './util.js';

const f = Math.fround;

export type CoordMode = 'half_pixel' | 'half_pixel_symmetric' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric' | 'tf_half_pixel_for_nn' | 'tf_crop_and_resize';

export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil' | 'simple';

export interface InterpOptions {
  mode: 'nearest' | 'linear' | 'cubic';
  coord: CoordMode;
  nearest: NearestMode;
  cubicA: number;
  excludeOutside: boolean;
  extrapolation: number;
}

export interface AxisTaps {
  taps: number;
  idx: Int32Array;
  wt: Float64Array;
  /** output positions outside the crop box (tf_crop_and_resize): take the extrapolation value */
  outside: Uint8Array | null;
  identity: boolean;
}

function originalCoord(o: InterpOptions, x: number, scale: number, inLen: number, outLen: number, roiStart: number, roiEnd: number): number {
  switch (o.coord) {
    case 'half_pixel':
      return f(f(f(x + 0.5) / scale) - 0.5);
    case 'half_pixel_symmetric': {
      const adjustment = f(outLen / f(scale * inLen));
      const center = f(inLen / 2);
      const offset = f(center * f(1 - adjustment));
      return f(offset + f(f(f(x + 0.5) / scale) - 0.5));
    }
    case 'pytorch_half_pixel':
      return outLen > 1 ? f(f(f(x + 0.5) / scale) - 0.5) : 0;
    case 'align_corners':
      return outLen === 1 ? 0 : f(f(x * (inLen - 1)) / (outLen - 1));
    case 'asymmetric':
      return f(x / scale);
    case 'tf_half_pixel_for_nn':
      return f(f(x + 0.5) / scale);
    case 'tf_crop_and_resize':
      return outLen > 1 ? f(f(roiStart * (inLen - 1)) + f(f(x * f(f(roiEnd - roiStart) * (inLen - 1))) / (outLen - 1))) : f(f(f(roiStart + roiEnd) * (inLen - 1)) / 2);
  }
}

function nearestIndex(mode: NearestMode, x: number, downsample: boolean): number {
  switch (mode) {
    case 'round_prefer_floor':
      return x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x);
    case 'round_prefer_ceil':
      return x === Math.floor(x) + 0.5 ? Math.ceil(x) : Math.round(x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    case 'simple':
      return downsample ? Math.ceil(x) : Math.trunc(x);
  }
}

function cubicCoeffs(t: number, A: number): [number, number, number, number] {
  const x0 = t + 1;
  const x1 = t;
  const x2 = 1 - t;
  const x3 = 2 - t;
  return [
    ((A * x0 - 5 * A) * x0 + 8 * A) * x0 - 4 * A,
    ((A + 2) * x1 - (A + 3)) * x1 * x1 + 1,
    ((A + 2) * x2 - (A + 3)) * x2 * x2 + 1,
    ((A * x3 - 5 * A) * x3 + 8 * A) * x3 - 4 * A,
  ];
}

export function axisTaps(o: InterpOptions, inLen: number, outLen: number, scale: number, roiStart: number, roiEnd: number): AxisTaps {
  const taps = o.mode === 'nearest' ? 1 : o.mode === 'linear' ? 2 : 4;
  if (scale === 1 && inLen === outLen) {
    // onnxruntime leaves unscaled axes untouched, whatever the coordinate mode (even
    // tf_half_pixel_for_nn / tf_crop_and_resize, which would otherwise shift them)
    return { taps, idx: new Int32Array(0), wt: new Float64Array(0), outside: null, identity: true };
  }
  const idx = new Int32Array(outLen * taps);
  const wt = new Float64Array(outLen * taps);
  const crop = o.coord === 'tf_crop_and_resize';
  const outside = crop ? new Uint8Array(outLen) : null;
  let identity = inLen === outLen && !crop;
  for (let i = 0; i < outLen; i++) {
    const x = originalCoord(o, i, scale, inLen, outLen, roiStart, roiEnd);
    if (outside && (x < 0 || x > inLen - 1)) {
      outside[i] = 1;
      identity = false;
      for (let t = 0; t < taps; t++) {
        idx[i * taps + t] = 0;
        wt[i * taps + t] = 0;
      }
      continue;
    }
    if (o.mode === 'nearest') {
      let k = nearestIndex(o.nearest, x, scale < 1);
      k = Math.min(Math.max(k, 0), inLen - 1);
      idx[i] = k;
      wt[i] = 1;
      if (k !== i) identity = false;
    } else if (o.mode === 'linear') {
      const xc = Math.min(Math.max(x, 0), inLen - 1);
      const k0 = Math.floor(xc);
      const k1 = Math.min(k0 + 1, inLen - 1);
      const w1 = xc - k0;
      idx[2 * i] = k0;
      idx[2 * i + 1] = k1;
      wt[2 * i] = 1 - w1;
      wt[2 * i + 1] = w1;
      if (k0 !== i || w1 !== 0) identity = false;
    } else {
      const k = Math.floor(x);
      const c = cubicCoeffs(x - k, o.cubicA);
      let sum = 0;
      for (let t = 0; t < 4; t++) {
        const raw = k - 1 + t;
        let w = c[t]!;
        if (o.excludeOutside && (raw < 0 || raw >= inLen)) w = 0;
        idx[4 * i + t] = Math.min(Math.max(raw, 0), inLen - 1);
        wt[4 * i + t] = w;
        sum += w;
      }
      if (o.excludeOutside && sum !== 0) for (let t = 0; t < 4; t++) wt[4 * i + t]! /= sum;
      if (x !== i) identity = false;
    }
  }
  return { taps, idx, wt, outside, identity };
}

/** Applies taps along `axis` of a float64 tensor (dims) producing a tensor with dims[axis] = outLen. */
function applyAxis(src: Float64Array, dims: number[], axis: number, t: AxisTaps, outLen: number): Float64Array {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= dims[i]!;
  let inner = 1;
  for (let i = axis + 1; i < dims.length; i++) inner *= dims[i]!;
  const inLen = dims[axis]!;
  const dst = new Float64Array(outer * outLen * inner);
  const T = t.taps;
  for (let o = 0; o < outer; o++) {
    const sb = o * inLen * inner;
    const db = o * outLen * inner;
    for (let i = 0; i < outLen; i++) {
      const d = db + i * inner;
      for (let k = 0; k < T; k++) {
        const w = t.wt[i * T + k]!;
        if (w === 0) continue;
        const s = sb + t.idx[i * T + k]! * inner;
        if (T === 1) for (let j = 0; j < inner; j++) dst[d + j] = src[s + j]!;
        else for (let j = 0; j < inner; j++) dst[d + j]! += w * src[s + j]!;
      }
    }
  }
  return dst;
}

/**
 * Resizes x (dims) to outDims. scales[i] is the scale used in the coordinate transform of axis i
 * (output/input when derived from sizes), roi is [starts..., ends...] over all axes (or empty).
 */
export function interpolate(
  node: Node,
  x: Float32Array,
  dims: readonly number[],
  outDims: readonly number[],
  scales: readonly number[],
  roi: readonly number[],
  o: InterpOptions,
): Float32Array {
  const r = dims.length;
  if (outDims.some((d) => d < 0)) fail(node, `invalid output shape [${outDims.join(',')}]`);
  const tables = dims.map((d, i) => axisTaps(o, d, outDims[i]!, scales[i]!, roi.length === 2 * r ? roi[i]! : 0, roi.length === 2 * r ? roi[i + r]! : 1));
  const n = outDims.reduce((a, b) => a * b, 1);
  const y = new Float32Array(n);
  if (n === 0) return y;
  let cur: Float64Array = Float64Array.from(x);
  const curDims = [...dims];
  // shrink first, then grow: cheaper intermediates
  const order = dims.map((_, i) => i).filter((i) => !tables[i]!.identity);
  order.sort((a, b) => outDims[a]! / dims[a]! - outDims[b]! / dims[b]!);
  for (const ax of order) {
    cur = applyAxis(cur, curDims, ax, tables[ax]!, outDims[ax]!);
    curDims[ax] = outDims[ax]!;
  }
  for (let i = 0; i < n; i++) y[i] = cur[i]!;
  if (tables.some((t) => t.outside)) {
    const idx = new Array<number>(r).fill(0);
    for (let i = 0; i < n; i++) {
      if (tables.some((t, a) => t.outside !== null && t.outside[idx[a]!] === 1)) y[i] = o.extrapolation;
      for (let d = r - 1; d >= 0; d--) {
        if (++idx[d]! < outDims[d]!) break;
        idx[d] = 0;
      }
    }
  }
  return y;
}
