/**
 * Gemm (opset 1-25): Y = alpha * A' * B' + beta * C with A' = transA ? A^T : A and
 * B' = transB ? B^T : B. C (required before opset 11, optional after) broadcasts
 * unidirectionally to [M, N]. An activation fused into the node (node.act) is applied.
 */
import type { Node } from '../graph/ir.js';
import { attrFloat, attrInt } from '../graph/ir.js';
import type { OpContext, OpDef } from './types.js';
import { sgemm } from './gemm-core.js';
import { actBounds, fail, float, hasInput, LATEST_OPSET, optFloat, reqFloat, reqShape, shapeStr } from './util.js';

interface GemmDims {
  M: number;
  N: number;
  K: number;
}

function dimsOf(node: Node, a: readonly number[], b: readonly number[], c: readonly number[] | undefined, ctx: OpContext, hasC = c !== undefined): GemmDims {
  if (a.length !== 2) fail(node, `A must be 2-D, got ${shapeStr(a)}`);
  if (b.length !== 2) fail(node, `B must be 2-D, got ${shapeStr(b)}`);
  const tA = attrInt(node, 'transA', 0) !== 0;
  const tB = attrInt(node, 'transB', 0) !== 0;
  const M = tA ? a[1]! : a[0]!;
  const K = tA ? a[0]! : a[1]!;
  const Kb = tB ? b[1]! : b[0]!;
  const N = tB ? b[0]! : b[1]!;
  if (K !== Kb) fail(node, `inner dimensions differ: A' is [${M},${K}], B' is [${Kb},${N}] (transA=${+tA}, transB=${+tB})`);
  if (c) {
    if (c.length > 2) fail(node, `C must have rank <= 2, got ${shapeStr(c)}`);
    const cm = c.length === 2 ? c[0]! : 1;
    const cn = c.length >= 1 ? c[c.length - 1]! : 1;
    if ((cm !== 1 && cm !== M) || (cn !== 1 && cn !== N)) fail(node, `C ${shapeStr(c)} cannot be broadcast to [${M},${N}]`);
  } else if (!hasC && ctx.opset < 11) {
    fail(node, `input C is required before opset 11`);
  }
  return { M, N, K };
}

export const Gemm: OpDef = {
  op: 'Gemm',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs, ctx) {
    const A = reqFloat(node, inputs, 0, 'A');
    const B = reqFloat(node, inputs, 1, 'B');
    const C = hasInput(node, inputs, 2) ? optFloat(node, inputs, 2, 'C') : undefined;
    const { M, N, K } = dimsOf(node, A.dims, B.dims, C?.dims, ctx);
    const tA = attrInt(node, 'transA', 0) !== 0;
    const tB = attrInt(node, 'transB', 0) !== 0;
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const { lo, hi } = actBounds(node);
    const y = new Float32Array(M * N);
    let rowBias: Float64Array | null = null;
    let colBias: Float64Array | null = null;
    let full: Float32Array | null = null;
    if (C && beta !== 0) {
      const c = C.dims;
      const cm = c.length === 2 ? c[0]! : 1;
      const cn = c.length >= 1 ? c[c.length - 1]! : 1;
      if (cm === M && cn === N && M > 1 && N > 1) full = C.data;
      else if (cn === N && N > 1) colBias = Float64Array.from(C.data, (v) => beta * v);
      else if (cm === M && M > 1) rowBias = Float64Array.from(C.data, (v) => beta * v);
      else rowBias = new Float64Array(M).fill(beta * C.data[0]!);
    }
    // A(m,k): transA ? A[k*M + m] : A[m*K + k];  B(k,n): transB ? B[n*K + k] : B[k*N + n]
    sgemm(
      M,
      N,
      K,
      A.data,
      0,
      tA ? 1 : K,
      tA ? M : 1,
      B.data,
      0,
      tB ? 1 : N,
      tB ? K : 1,
      y,
      0,
      N,
      full ? { alpha, rowBias: null, colBias: null, lo: -Infinity, hi: Infinity } : { alpha, rowBias, colBias, lo, hi },
    );
    if (full) {
      for (let i = 0; i < y.length; i++) {
        const v = y[i]! + beta * full[i]!;
        y[i] = v < lo ? lo : v > hi ? hi : v;
      }
    }
    return [float([M, N], y)];
  },
  inferShape(node, shapes, _consts, ctx) {
    const named = node.inputs.length > 2 && node.inputs[2] !== '';
    const { M, N } = dimsOf(node, reqShape(node, shapes, 0, 'A'), reqShape(node, shapes, 1, 'B'), named ? shapes[2] : undefined, ctx, named);
    return [[M, N]];
  },
};
