/**
 * Exact integer convolution / GEMM for the reference engines, fast path: integer operands held
 * as float32 go through the FP32 GEMM kernel (float64 accumulation, one float32 rounding on
 * store). The result is exact when every output's magnitude stays below 2^24, which holds when
 * K * maxAbs(x) * maxAbs(w) < 2^24 (K <= 1040 for int8 operands); otherwise the plain float64
 * loops of linearForward are used.
 */
import type { Node } from '../graph/ir.js';
import { convForward } from '../ops/conv.js';
import { sgemm, NO_EPILOGUE } from '../ops/gemm-core.js';
import { linearForward, type LinearGeom } from './linear-geom.js';

const EXACT_LIMIT = 2 ** 24;
const floatWeights = new WeakMap<object, Float32Array>();

function asFloat32(a: ArrayLike<number>, cache: boolean): Float32Array {
  if (a instanceof Float32Array) return a;
  if (cache && typeof a === 'object') {
    const hit = floatWeights.get(a as object);
    if (hit) return hit;
    const f = Float32Array.from(a);
    floatWeights.set(a as object, f);
    return f;
  }
  return Float32Array.from(a);
}

/** Returns [cout][P] integer sums (exact values; float32 array when exact in float32). */
export function intLinear(
  node: Node,
  opset: number,
  g: LinearGeom,
  x: ArrayLike<number>,
  xDims: number[],
  w: ArrayLike<number>,
  maxX: number,
  maxW: number,
): Float32Array | Float64Array {
  if (g.K * maxX * maxW >= EXACT_LIMIT) return linearForward(x, g, w);
  const xf = asFloat32(x, false);
  const wf = asFloat32(w, true);
  if (g.kind === 'conv') {
    const plain: Node = { ...node, act: undefined, inputs: node.inputs.slice(0, 2) };
    return convForward(plain, { opset }, { dims: xDims, data: xf }, { dims: [g.cout, g.cin / g.group, g.kh, g.kw], data: wf }, undefined).data;
  }
  // gemm: x [M][K], w rows [N][K] → y [M][N]; return [N][M]
  const M = g.P;
  const y = new Float32Array(M * g.cout);
  sgemm(M, g.cout, g.K, xf, 0, g.K, 1, wf, 0, 1, g.K, y, 0, g.cout, NO_EPILOGUE);
  if (M === 1) return y;
  const out = new Float32Array(g.cout * M);
  for (let m = 0; m < M; m++) for (let c = 0; c < g.cout; c++) out[c * M + m] = y[m * g.cout + c]!;
  return out;
}
