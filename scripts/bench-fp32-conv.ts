/**
 * Throughput of the TypeScript FP32 Conv kernel (the reference interpreter's) on
 * SqueezeNet/ResNet-sized layers, in GFLOP/s. A benchmark, not a test: timings are never asserted.
 *   node --import tsx scripts/bench-fp32-conv.ts
 */
import type { Node } from '../src-main/core/graph/ir.js';
import type { FloatTensor } from '../src-main/core/graph/tensor.js';
import { findOp } from '../src-main/core/ops/registry.js';

function rnd(dims: number[], seed: number): FloatTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    d[i] = s / 4294967296 - 0.5;
  }
  return { dtype: 'float32', dims, data: d };
}

function gflops(C: number, H: number, M: number, k: number, group = 1, stride = 1): number {
  const pad = (k - 1) >> 1;
  const node: Node = {
    name: 'perf',
    op: 'Conv',
    domain: '',
    inputs: ['x', 'w', 'b'],
    outputs: ['y'],
    attrs: { pads: [pad, pad, pad, pad], strides: [stride, stride], group },
  };
  const conv = findOp('Conv', '', 13)!;
  const ins = [rnd([1, C, H, H], 1), rnd([M, C / group, k, k], 2), rnd([M], 3)];
  const ctx = { opset: 13 };
  let out = conv.run(node, ins, ctx)[0]!;
  for (let i = 0; i < 2; i++) out = conv.run(node, ins, ctx)[0]!;
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    conv.run(node, ins, ctx);
    best = Math.min(best, performance.now() - t0);
  }
  const flops = 2 * out.data.length * (C / group) * k * k;
  return flops / best / 1e6;
}

console.log(`Conv 3x3 [1,64,56,56]->64: ${gflops(64, 56, 64, 3).toFixed(2)} GFLOP/s`);
const s = gflops(128, 55, 16, 1);
const e1 = gflops(16, 55, 64, 1);
const e3 = gflops(16, 55, 64, 3);
console.log(`fire: squeeze 1x1 ${s.toFixed(2)}, expand 1x1 ${e1.toFixed(2)}, expand 3x3 ${e3.toFixed(2)} GFLOP/s`);
