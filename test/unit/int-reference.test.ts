import { describe, expect, it } from 'vitest';
import { runIntProgram } from '../../src-main/core/engine/int-ref.js';
import { lowerToIntProgram } from '../../src-main/core/engine/lower.js';
import { createSimEngine } from '../../src-main/core/engine/sim.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import type { Node } from '../../src-main/core/graph/ir.js';
import { intLinear } from '../../src-main/core/quant/int-gemm.js';
import { convGeometry, linearForward, samplePositions } from '../../src-main/core/quant/linear-geom.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import { rne } from '../../src-main/core/quant/rounding.js';
import { handScaleTable } from '../helpers/hand-scales.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';

/** Direct 7-loop integer convolution: the plainest possible statement of the math. */
function naiveConv(x: Int8Array, xd: number[], w: Int8Array, wd: number[], n: Node, oh: number, ow: number): Float64Array {
  const [, C, H, W] = xd as [number, number, number, number];
  const [M, Cg, KH, KW] = wd as [number, number, number, number];
  const group = (n.attrs['group'] as number) ?? 1;
  const [sh, sw] = (n.attrs['strides'] as [number, number]) ?? [1, 1];
  const [dh, dw] = (n.attrs['dilations'] as [number, number]) ?? [1, 1];
  const [pt, pl] = (n.attrs['pads'] as [number, number, number, number]) ?? [0, 0, 0, 0];
  const y = new Float64Array(M * oh * ow);
  const Mg = M / group;
  for (let m = 0; m < M; m++) {
    const g = Math.floor(m / Mg);
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        let acc = 0;
        for (let c = 0; c < Cg; c++)
          for (let ky = 0; ky < KH; ky++)
            for (let kx = 0; kx < KW; kx++) {
              const iy = oy * sh - pt + ky * dh;
              const ix = ox * sw - pl + kx * dw;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              acc += x[((g * Cg + c) * H + iy) * W + ix]! * w[((m * Cg + c) * KH + ky) * KW + kx]!;
            }
        y[(m * oh + oy) * ow + ox] = acc;
      }
  }
  void C;
  return y;
}

describe('integer convolution is exact', () => {
  const r = rng(11);
  const ri = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  for (let t = 0; t < 30; t++) {
    const group = [1, 1, 2, 3][t % 4]!;
    const depthwise = t % 5 === 4;
    const cg = depthwise ? 1 : ri(1, 5);
    const C = depthwise ? ri(2, 9) : cg * group;
    const G = depthwise ? C : group;
    const M = depthwise ? C : G * ri(1, 5);
    const KH = ri(1, 5);
    const KW = ri(1, 5);
    const sh = ri(1, 3);
    const sw = ri(1, 3);
    const dh = ri(1, 2);
    const dw = ri(1, 2);
    const pads = [ri(0, 2), ri(0, 2), ri(0, 2), ri(0, 2)];
    const H = ri(KH * dh, 14);
    const W = ri(KW * dw, 14);
    const oh = Math.floor((H + pads[0]! + pads[2]! - ((KH - 1) * dh + 1)) / sh) + 1;
    const ow = Math.floor((W + pads[1]! + pads[3]! - ((KW - 1) * dw + 1)) / sw) + 1;
    it(`random conv #${t}: C${C} M${M} g${G} k${KH}x${KW} s${sh}x${sw} d${dh}x${dw} p${pads.join('')} ${H}x${W}`, () => {
      const node: Node = {
        name: `c${t}`,
        op: 'Conv',
        domain: '',
        inputs: ['x', 'w'],
        outputs: ['y'],
        attrs: { group: G, strides: [sh, sw], dilations: [dh, dw], pads, kernel_shape: [KH, KW] },
      };
      const x = Int8Array.from({ length: C * H * W }, () => ri(-127, 127));
      const w = Int8Array.from({ length: M * (C / G) * KH * KW }, () => ri(-127, 127));
      const g = convGeometry(node, [1, C, H, W], [M, C / G, KH, KW], [1, M, oh, ow]);
      const want = naiveConv(x, [1, C, H, W], w, [M, C / G, KH, KW], node, oh, ow);
      expect(Array.from(linearForward(x, g, w))).toEqual(Array.from(want));
      expect(Array.from(intLinear(node, 13, g, x, [1, C, H, W], w, 127, 127))).toEqual(Array.from(want));
      const pos = samplePositions(g.P, 5);
      if (pos) {
        const part = linearForward(x, g, w, pos);
        for (let c = 0; c < M; c++) for (let j = 0; j < pos.length; j++) expect(part[c * pos.length + j]).toBe(want[c * g.P + pos[j]!]);
      }
    });
  }
});

describe('integer program', () => {
  // conv+relu → maxpool → two convs (shared input) → concat → global average pool → gemm
  const r = rng(5);
  const bytes = buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], name: 'conv1', attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'], name: 'relu1' },
      { op: 'MaxPool', inputs: ['r1'], outputs: ['p1'], name: 'pool1', attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 } },
      { op: 'Conv', inputs: ['p1', 'w2', 'b2'], outputs: ['c2'], name: 'conv2' },
      { op: 'Relu', inputs: ['c2'], outputs: ['r2'], name: 'relu2' },
      { op: 'Conv', inputs: ['p1', 'w3', 'b3'], outputs: ['c3'], name: 'conv3', attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c3'], outputs: ['r3'], name: 'relu3' },
      { op: 'Concat', inputs: ['r2', 'r3'], outputs: ['cat'], name: 'cat', attrs: { axis: 1 } },
      { op: 'GlobalAveragePool', inputs: ['cat'], outputs: ['gap'], name: 'gap' },
      { op: 'Flatten', inputs: ['gap'], outputs: ['flat'], name: 'flat' },
      { op: 'Gemm', inputs: ['flat', 'wf', 'bf'], outputs: ['y'], name: 'fc', attrs: { transB: 1 } },
    ],
    inputs: [{ name: 'x', dims: [1, 3, 12, 12] }],
    outputs: [{ name: 'y' }],
    initializers: {
      w1: randomTensor([8, 3, 3, 3], r, 0.5),
      b1: randomTensor([8], r, 0.1),
      w2: randomTensor([6, 8, 1, 1], r, 0.5),
      b2: randomTensor([6], r, 0.1),
      w3: randomTensor([6, 8, 3, 3], r, 0.3),
      b3: randomTensor([6], r, 0.1),
      wf: randomTensor([5, 12], r, 0.5),
      bf: randomTensor([5], r, 0.1),
    },
  });
  const m = loadModelBytes(bytes, 'tiny.onnx');
  const plan = planQuantization(m.graph);
  const layerInputs = new Map([
    ['x', 40],
    ['p1', 30],
    ['flat', 50],
  ]);
  const table = handScaleTable(m, plan, layerInputs, new Map([['cat', 6]]));
  const prog = lowerToIntProgram(m.graph, plan, table);

  it('lowers to int8 data movement between layers (no float round trips)', () => {
    expect(prog.ops.map((o) => o.kind)).toEqual(['quantize', 'qlinear', 'qmaxpool', 'qlinear', 'qlinear', 'qconcat', 'qavgpool', 'qreshape', 'qlinear']);
    // the concat inputs share the concat output's scale (a copy); the pool input has its own
    // measured scale (an average is smaller than its inputs) and requantizes to the fc input scale
    const cat = prog.ops.find((o) => o.kind === 'qconcat')!;
    expect(cat.kind === 'qconcat' && cat.mults).toEqual([1, 1]);
    expect(table.tensors['cat']).toBe(Math.fround(127 / 6));
    expect(table.tensors['r2']).toBe(table.tensors['cat']);
    expect(table.tensors['gap']).toBe(50);
  });

  it('follows the documented arithmetic step by step', () => {
    const x = randomTensor([1, 3, 12, 12], rng(9), 1.5);
    const taps = new Map<string, Float32Array>();
    const out = runIntProgram(m.graph, prog, x.data as Float32Array, [1, 3, 12, 12], (n, t) => taps.set(n, t));
    // first op: quantize the input
    const q0 = Array.from(x.data, (v) => Math.max(-127, Math.min(127, rne(Math.fround(v * 40)))));
    // conv1 pre-activation tap = acc / (Sa*Sw) with acc computed from q0 directly
    const l1 = plan.layers[0]!;
    const acc = linearForward(
      q0,
      l1.geom,
      Int8Array.from(l1.wRows, (w, i) => Math.max(-127, Math.min(127, rne(Math.fround(w * Math.fround(100 + Math.floor(i / l1.geom.K))))))),
    );
    const tap = taps.get('conv1')!;
    for (let c = 0; c < 8; c++) {
      const sw = Math.fround(100 + c);
      const bq = rne(l1.bias[c]! * Math.fround(40) * sw);
      for (let p = 0; p < l1.geom.P; p++) expect(tap[c * l1.geom.P + p]).toBe(Math.fround((acc[c * l1.geom.P + p]! + bq) / (Math.fround(40) * sw)));
    }
    expect(out.outputs[0]!.dims).toEqual([1, 5]);
  });

  it('agrees with the fake-quant simulation closely', () => {
    const sim = createSimEngine(m.graph, plan, table);
    let maxd = 0;
    for (let s = 0; s < 5; s++) {
      const x = randomTensor([1, 3, 12, 12], rng(100 + s), 1.5);
      const a = runIntProgram(m.graph, prog, x.data as Float32Array, [1, 3, 12, 12]).outputs[0]!.data;
      const b = sim.run(x.data as Float32Array, [1, 3, 12, 12]).outputs[0]!.data;
      for (let i = 0; i < a.length; i++) maxd = Math.max(maxd, Math.abs(a[i]! - b[i]!));
    }
    // they differ only by the average pool's rounding and requantization rounding
    expect(maxd).toBeLessThan(0.05);
  });
});

describe('int8 pooling', () => {
  const r = rng(21);
  const ri = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  for (let t = 0; t < 12; t++) {
    const k = ri(1, 4);
    const s = ri(1, 3);
    const p = ri(0, Math.min(2, k - 1));
    const ceil = t % 2;
    const cip = t % 3 === 0 ? 1 : 0;
    const H = ri(k, 11);
    const W = ri(k, 11);
    it(`max/avg pool k${k} s${s} p${p} ceil${ceil} cip${cip} on ${H}x${W} match the FP32 kernels`, async () => {
      const { findOp } = await import('../../src-main/core/ops/registry.js');
      const { int8AvgPool, int8MaxPool, poolGeometry } = await import('../../src-main/core/engine/int-pool.js');
      const q = Int8Array.from({ length: 2 * H * W }, () => ri(-127, 127));
      const xf = { dtype: 'float32' as const, dims: [1, 2, H, W], data: Float32Array.from(q) };
      const attrs = { kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p], ceil_mode: ceil, count_include_pad: cip };
      for (const op of ['MaxPool', 'AveragePool']) {
        const node: Node = { name: 'pool', op, domain: '', inputs: ['x'], outputs: ['y'], attrs };
        const ref = findOp(op, '', 13)!.run(node, [xf], { opset: 13 })[0]!.data as Float32Array;
        const g = poolGeometry(node, 13, [1, 2, H, W]);
        if (op === 'MaxPool') expect(Array.from(int8MaxPool(q, g))).toEqual(Array.from(ref));
        else {
          const got = int8AvgPool(q, g, 1, 1, 127);
          // same scale in and out: the int8 average is the FP32 average rounded to nearest (a tie
          // may go either way, since the divisor is applied as a float32 multiplier)
          got.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThanOrEqual(0.5 + 1e-5));
        }
      }
    });
  }
});
