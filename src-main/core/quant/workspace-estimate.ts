/**
 * Scratch memory the native runtime's Workspace (native/src/runtime/workspace.h) grows to:
 * three shared buffers (im2col columns of a fully connected layer, the Winograd int32
 * accumulator, the Winograd transform scratch), each the largest any layer asks for, plus one
 * block per thread (packed GEMM panel, int32 output block and im2col block; or depthwise
 * accumulators), the largest any layer asks for. The algorithm per layer is tuned on the
 * target, so a 3x3 stride-1 convolution counts with the larger of GEMM and Winograd F(4,3):
 * an upper bound. Packed-panel sizes are ISA-specific; the estimate rounds K up to 4.
 */
import type { LinearGeom } from './linear-geom.js';
import type { QuantPlan } from './plan.js';

export interface WorkspaceEstimate {
  threads: number;
  sharedBytes: number;
  perThreadBytes: number;
  totalBytes: number;
}

const divUp = (a: number, b: number) => Math.ceil(a / b);
const align64 = (x: number) => Math.ceil(x / 64) * 64;

/** linear_layer.cc ColumnBlock */
function columnBlock(P: number, M: number, threads: number): number {
  let nb = M >= 256 ? 128 : 256;
  while (nb > 32 && divUp(P, nb) < threads * 3) nb /= 2;
  return Math.min(nb, P);
}

function winogradApplicable(g: LinearGeom): boolean {
  return g.kind === 'conv' && g.group === 1 && g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1;
}

interface LayerScratch {
  cols: number;
  acc: number;
  wino: number;
  perThread: number;
}

function layerScratch(g: LinearGeom, threads: number): LayerScratch {
  const s: LayerScratch = { cols: 0, acc: 0, wino: 0, perThread: 0 };
  if (g.kind === 'conv' && g.group > 1 && g.group === g.cin && g.group === g.cout) {
    const cb = Math.max(1, Math.min(16, divUp(g.cout, threads * 4)));
    s.perThread = cb * g.P * 4;
    return s;
  }
  const M = g.cout / g.group;
  const nb = columnBlock(g.P, M, threads);
  const direct = g.kind === 'conv' && g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.padT === 0 && g.padL === 0 && g.outH === g.inH && g.outW === g.inW;
  const im2col = g.kind === 'conv' && !direct;
  s.perThread = align64(Math.ceil(g.K / 4) * 4 * nb) + M * nb * 4 + (im2col ? align64(g.K * nb) : 0);
  if (g.kind === 'gemm') s.cols = g.K * g.P;
  if (winogradApplicable(g)) {
    // F(4,3): 6x6 tiles of int16; padded input planes of int16; per-thread int32 block
    const cinP = Math.ceil(g.cin / 16) * 16;
    const tiles = divUp(g.outH, 4) * divUp(g.outW, 4);
    s.acc = g.cout * g.P * 4;
    s.wino = cinP * (divUp(g.outH, 4) * 4 + 2) * (divUp(g.outW, 4) * 4 + 2) * 2 + 36 * tiles * cinP * 2 + threads * 36 * 16 * 16 * 4;
  }
  return s;
}

export function workspaceEstimate(plan: QuantPlan, threads: number): WorkspaceEstimate {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`workspace estimate: threads must be a positive integer, got ${threads}`);
  const max = { cols: 0, acc: 0, wino: 0, perThread: 0 };
  for (const l of plan.layers) {
    const s = layerScratch(l.geom, threads);
    for (const k of Object.keys(max) as (keyof LayerScratch)[]) max[k] = Math.max(max[k], s[k]);
  }
  const sharedBytes = max.cols + max.acc + max.wino;
  const perThreadBytes = max.perThread;
  return { threads, sharedBytes, perThreadBytes, totalBytes: sharedBytes + threads * perThreadBytes };
}
