/**
 * MatMul (opset 1-25), numpy semantics: N-D operands are stacks of matrices whose batch
 * dimensions broadcast; a 1-D operand is promoted to a matrix and the added axis removed.
 * 2-D operands (and an N-D A times a 2-D B) run as a single GEMM. An activation fused
 * into the node (node.act) is applied.
 */
import type { Node } from '../graph/ir.js';
import type { OpDef } from './types.js';
import { sgemm } from './gemm-core.js';
import { actBounds, broadcastShapes, broadcastStrides, fail, float, LATEST_OPSET, reqFloat, reqShape, shapeStr } from './util.js';
import { numel } from '../graph/tensor.js';

interface MatMulPlan {
  out: number[];
  batch: number[];
  aBatch: number[];
  bBatch: number[];
  M: number;
  K: number;
  N: number;
}

function plan(node: Node, a: readonly number[], b: readonly number[]): MatMulPlan {
  if (a.length === 0 || b.length === 0) fail(node, `operands must have rank >= 1, got ${shapeStr(a)} and ${shapeStr(b)}`);
  const a2 = a.length === 1 ? [1, a[0]!] : [...a];
  const b2 = b.length === 1 ? [b[0]!, 1] : [...b];
  const M = a2[a2.length - 2]!;
  const K = a2[a2.length - 1]!;
  const Kb = b2[b2.length - 2]!;
  const N = b2[b2.length - 1]!;
  if (K !== Kb) fail(node, `inner dimensions differ: ${shapeStr(a)} x ${shapeStr(b)}`);
  const aBatch = a2.slice(0, -2);
  const bBatch = b2.slice(0, -2);
  const batch = broadcastShapes(node, aBatch, bBatch);
  const out = [...batch];
  if (a.length > 1) out.push(M);
  if (b.length > 1) out.push(N);
  return { out, batch, aBatch, bBatch, M, K, N };
}

export const MatMul: OpDef = {
  op: 'MatMul',
  minOpset: 1,
  maxOpset: LATEST_OPSET,
  run(node, inputs) {
    const A = reqFloat(node, inputs, 0, 'A');
    const B = reqFloat(node, inputs, 1, 'B');
    const p = plan(node, A.dims, B.dims);
    const { M, K, N } = p;
    const { lo, hi } = actBounds(node);
    const epi = { alpha: 1, rowBias: null, colBias: null, lo, hi };
    const y = new Float32Array(numel(p.out));
    const nb = numel(p.batch);
    if (nb === 1 || (p.bBatch.length === 0 && numel(p.aBatch) === nb)) {
      // one GEMM: A viewed as [batch*M, K]
      sgemm(nb * M, N, K, A.data, 0, K, 1, B.data, 0, N, 1, y, 0, N, epi);
      return [float(p.out, y)];
    }
    const sa = broadcastStrides(p.aBatch, p.batch);
    const sb = broadcastStrides(p.bBatch, p.batch);
    const idx = new Array<number>(p.batch.length).fill(0);
    let ao = 0;
    let bo = 0;
    for (let i = 0; i < nb; i++) {
      sgemm(M, N, K, A.data, ao * M * K, K, 1, B.data, bo * K * N, N, 1, y, i * M * N, N, epi);
      for (let d = p.batch.length - 1; d >= 0; d--) {
        idx[d]!++;
        ao += sa[d]!;
        bo += sb[d]!;
        if (idx[d]! < p.batch[d]!) break;
        ao -= sa[d]! * p.batch[d]!;
        bo -= sb[d]! * p.batch[d]!;
        idx[d] = 0;
      }
    }
    return [float(p.out, y)];
  },
  inferShape(node, shapes) {
    return [plan(node, reqShape(node, shapes, 0, 'A'), reqShape(node, shapes, 1, 'B')).out];
  },
};
