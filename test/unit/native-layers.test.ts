/**
 * Native kernels vs the TypeScript integer reference, op by op (issue 3):
 *  - hand-written integer programs for the rounding corner cases (ties, saturation, NaN/Inf,
 *    requantize, dequantize, add, concat with multipliers, pools with empty windows);
 *  - randomized small models: convolutions with random groups / depthwise / dilation / stride /
 *    asymmetric pads / odd channel counts / fused Relu or Clip, pooling, Gemm, Add and Concat,
 *    quantized with min-max scales and run on inputs beyond the calibrated range.
 * Every output and every per-layer tap must be identical bit for bit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { IntOp, IntProgram } from '../../src-main/core/engine/int-program.js';
import { runIntProgram } from '../../src-main/core/engine/int-ref.js';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import type { Graph, Node } from '../../src-main/core/graph/ir.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, floatOpsModel, maxRelativeDifference, quantize, randomInputs, runReference } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng, type NodeSpec } from '../helpers/onnx-build.js';

const f32 = Math.fround;

/** Bit-exact against the reference on every ISA level and algorithm (and the autotuned choice), with taps (scalar output stage) and without (SIMD output stage). */
function expectSame(graph: Graph, prog: IntProgram, inputs: Float32Array[], dims: number[], label: string, gemmOn2Threads = false): void {
  const eqm = compileIntProgram(graph, prog);
  const refs = inputs.map((x) => runReference({ graph, prog }, x, dims));
  for (const isa of Runtime.version().availableIsas.split(',')) {
    // auto on 2 threads: the autotune also picks, per layer, the pool or the caller alone
    // amxconv (the AMX direct convolution) only exists at the amx level
    // gemm2: the GEMM on 2 threads without the autotune (which may keep a layer on the caller)
    for (const convAlgo of ['gemm', 'wino23', 'wino43', 'auto', ...(isa === 'amx' ? ['amxconv'] : []), ...(gemmOn2Threads ? ['gemm2'] : [])]) {
      const session =
        convAlgo === 'gemm2'
          ? Runtime.load(eqm, { isa, convAlgo: 'gemm', threads: 2, autotune: false })
          : Runtime.load(eqm, { isa, convAlgo, threads: convAlgo === 'wino23' || convAlgo === 'auto' ? 2 : 1 });
      const tag = `${label} [${isa} ${convAlgo}]`;
      inputs.forEach((x, i) => {
        const ref = refs[i]!;
        const nat = session.runWithTaps(x, dims);
        for (const [layer, t] of ref.taps) {
          const d = firstBitDifference(t, nat.taps[layer]!);
          expect(d, `${tag}: tap of ${layer} differs at ${d}: ${t[d]} vs ${nat.taps[layer]![d]}`).toBe(-1);
        }
        const plain = session.run(x, dims);
        ref.outputs.forEach((a, k) => {
          for (const [how, b] of [
            ['taps', nat.outputs[k]!],
            ['run', plain[k]!],
          ] as const) {
            const d = firstBitDifference(a, b);
            expect(d, `${tag} (${how}): output ${prog.outputs[k]} differs at ${d}: ${a[d]} vs ${b[d]}`).toBe(-1);
          }
        });
      });
    }
  }
}

describe('native int8 kernels: corner cases of the arithmetic', () => {
  beforeAll(() => ensureNativeAddon(), BUILD_TIMEOUT_MS);

  const pool = (name: string, op: string, attrs: Node['attrs']): Node => ({ name, op, domain: '', inputs: ['xq'], outputs: [name], attrs });

  for (const qmax of [127, 63]) {
    it(`rounding ties, saturation, NaN/Inf, requantize, add, concat, pools with empty windows (qmax ${qmax})`, () => {
      const dims = [1, 2, 5, 5];
      const specials = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 62.5, 63.5, 126.5, 127.5, -127.5, 128, 200, -200, NaN, Infinity, -Infinity, 1e30, -3.4e38, 0, -0];
      const r = rng(3);
      const x = new Float32Array(50);
      for (let i = 0; i < x.length; i++) x[i] = i < specials.length ? specials[i]! : f32((r() * 2 - 1) * 140);
      const shapes = new Map<string, number[]>([
        ['x', dims],
        ['mp', [1, 2, 4, 4]],
        ['mp2', [1, 2, 3, 2]],
        ['ap', [1, 2, 4, 4]],
      ]);
      const graph: Graph = { name: 'hand', opset: 13, inputs: [{ name: 'x', dims, dtype: 'float32' }], outputs: [], nodes: [], initializers: new Map<string, Tensor>(), shapes };
      // pads >= kernel: the first window lies entirely in the padding (no taps)
      const mp = pool('mp', 'MaxPool', { kernel_shape: [2, 2], strides: [2, 2], pads: [2, 2, 1, 1] });
      const mp2 = pool('mp2', 'MaxPool', { kernel_shape: [3, 3], strides: [2, 2], dilations: [1, 2], pads: [1, 0, 1, 1], ceil_mode: 1 });
      const ap = pool('ap', 'AveragePool', { kernel_shape: [3, 3], strides: [2, 2], pads: [3, 3, 2, 2], count_include_pad: 1, ceil_mode: 1 });
      const ops: IntOp[] = [
        { kind: 'quantize', input: 'x', output: 'xq', scale: 1 },
        { kind: 'requantize', input: 'xq', output: 'xr', mult: 0.5 },
        { kind: 'requantize', input: 'xq', output: 'xr3', mult: f32(3.3) },
        { kind: 'qrelu', input: 'xr', output: 'xrr' },
        { kind: 'qadd', a: 'xq', b: 'xr', output: 'sum', multA: 0.5, multB: 1.5, lo: -qmax, hi: qmax },
        { kind: 'qadd', a: 'xr3', b: 'xrr', output: 'sum2', multA: f32(0.25), multB: f32(0.75), lo: 0, hi: Math.min(qmax, 50) },
        { kind: 'qconcat', inputs: ['xq', 'xr', 'sum2'], output: 'cat', axis: 2, mults: [1, 0.75, f32(1.7)], outDims: [1, 2, 15, 5] },
        { kind: 'qreshape', input: 'cat', output: 'flat', outDims: [1, 150] },
        { kind: 'qmaxpool', node: mp, input: 'xq', output: 'mp' },
        { kind: 'qmaxpool', node: mp2, input: 'xr', output: 'mp2' },
        { kind: 'qavgpool', node: ap, input: 'xq', output: 'ap', inScale: 1, outScale: f32(0.9), outDims: [1, 2, 4, 4] },
        { kind: 'dequantize', input: 'sum', output: 'o_sum', scale: 4 },
        { kind: 'dequantize', input: 'flat', output: 'o_flat', scale: f32(3.3) },
        { kind: 'dequantize', input: 'mp', output: 'o_mp', scale: 1 },
        { kind: 'dequantize', input: 'mp2', output: 'o_mp2', scale: 0.5 },
        { kind: 'dequantize', input: 'ap', output: 'o_ap', scale: f32(0.9) },
      ];
      const intScales = new Map<string, number>([
        ['xq', 1],
        ['xr', 0.5],
        ['xr3', f32(3.3)],
        ['xrr', 0.5],
        ['sum', 4],
        ['sum2', f32(2)],
        ['cat', f32(3.3)],
        ['flat', f32(3.3)],
        ['mp', 1],
        ['mp2', 0.5],
        ['ap', f32(0.9)],
      ]);
      const prog: IntProgram = { qmax, ops, intScales, input: 'x', outputs: ['o_sum', 'o_flat', 'o_mp', 'o_mp2', 'o_ap'] };
      const ref = runIntProgram(graph, prog, x, dims);
      // the corner cases are really exercised: ties to even, clamps, NaN → 0, empty max windows
      const q = (ref.outputs[1]!.data as Float32Array).slice(0, 21).map((v) => Math.round(v * f32(3.3)));
      expect(Array.from(q.slice(0, 6))).toEqual([0, 2, 2, 0, -2, -2]);
      expect(q[14]).toBe(0);
      expect(Array.from(ref.outputs[2]!.data).some((v) => v === -128)).toBe(true);
      expectSame(graph, prog, [x, x.map((v) => v * 0.37)], dims, `hand program qmax ${qmax}`);
    });
  }
});

/** conv attrs for a random geometry that yields a valid output. */
function randomConv(r: () => number, depthwise: boolean) {
  const ri = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const group = depthwise ? 0 : [1, 1, 2, 3][ri(0, 3)]!;
  const cg = depthwise ? 1 : ri(1, 5);
  const C = depthwise ? ri(2, 9) : cg * group;
  const G = depthwise ? C : group;
  const M = depthwise ? C * ri(1, 2) : G * ri(1, 4);
  const KH = ri(1, 5);
  const KW = ri(1, 5);
  // onnxruntime (the FP32 reference of the calibration) rejects dilations with auto_pad
  const autoPad = r() < 0.15 ? 'SAME_UPPER' : undefined;
  const [sh, sw, dh, dw] = [ri(1, 3), ri(1, 3), autoPad ? 1 : ri(1, 2), autoPad ? 1 : ri(1, 2)];
  const pads = [ri(0, 2), ri(0, 3), ri(0, 2), ri(0, 1)];
  const H = ri(Math.max(1, (KH - 1) * dh + 1 - pads[0]! - pads[2]!), 13);
  const W = ri(Math.max(1, (KW - 1) * dw + 1 - pads[1]! - pads[3]!), 13);
  const attrs: NodeSpec['attrs'] = { group: G, strides: [sh, sw], dilations: [dh, dw], kernel_shape: [KH, KW] };
  if (autoPad) attrs['auto_pad'] = autoPad;
  else attrs['pads'] = pads;
  return { C, M, G, KH, KW, H, W, attrs, desc: `C${C} M${M} g${G} k${KH}x${KW} s${sh}${sw} d${dh}${dw} ${autoPad ?? `p${pads.join('')}`} ${H}x${W}` };
}

function activation(r: () => number, input: string, output: string, idx: number): { nodes: NodeSpec[]; init: Record<string, Tensor>; desc: string } {
  const k = Math.floor(r() * 4);
  if (k === 0) return { nodes: [{ op: 'Identity', inputs: [input], outputs: [output] }], init: {}, desc: 'none' };
  if (k === 1) return { nodes: [{ op: 'Relu', inputs: [input], outputs: [output] }], init: {}, desc: 'relu' };
  const [lo, hi] = k === 2 ? [0, 6] : [-0.4, 0.7];
  return {
    nodes: [{ op: 'Clip', inputs: [input, `lo${idx}`, `hi${idx}`], outputs: [output] }],
    init: { [`lo${idx}`]: { dtype: 'float32', dims: [], data: Float32Array.of(lo) }, [`hi${idx}`]: { dtype: 'float32', dims: [], data: Float32Array.of(hi) } },
    desc: `clip(${lo},${hi})`,
  };
}

interface Case {
  desc: string;
  bytes: Uint8Array;
  dims: number[];
  /** also run the GEMM on 2 threads with the autotune off */
  gemmOn2Threads?: boolean;
}

/**
 * A classifier Gemm (1 column, 300 rows, 256 inputs): the runtime splits its rows over the
 * threads instead of its columns (linear_layer.cc RowBlock); enough work (> 1 M MACs counted)
 * that 2 threads split it.
 */
function classifierCase(seed: number): Case {
  const r = rng(seed);
  const K = 256;
  const M = 300;
  const nodes: NodeSpec[] = [{ op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'], name: 'fc', attrs: { transB: 1 } }];
  const init = { w: randomTensor([M, K], r, 0.2), b: randomTensor([M], r, 0.1) };
  return {
    desc: `row split: Gemm ${K}->${M}`,
    dims: [1, K],
    gemmOn2Threads: true,
    bytes: buildModel({ nodes, inputs: [{ name: 'x', dims: [1, K] }], outputs: [{ name: 'y' }], initializers: init }),
  };
}

/**
 * A 3x3 stride-2 convolution on a 14x14 map (P = 49) with 160 output channels and 191 input
 * channels (K = 1719): rows split over the threads, and the im2col built once by both threads, a
 * share of the (odd number of) input channels each (linear_layer.cc, shared_im2col).
 */
function rowSplitConvCase(seed: number): Case {
  const r = rng(seed);
  const C = 191;
  const M = 160;
  const attrs: NodeSpec['attrs'] = { strides: [2, 2], kernel_shape: [3, 3], pads: [1, 1, 1, 1] };
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], name: 'conv', attrs },
    { op: 'Relu', inputs: ['c'], outputs: ['y'] },
  ];
  const init = { w: randomTensor([M, C, 3, 3], r, 0.1), b: randomTensor([M], r, 0.1) };
  const dims = [1, C, 14, 14];
  return {
    desc: `row split: conv 3x3/2 ${C}->${M} on 14x14`,
    dims,
    gemmOn2Threads: true,
    bytes: buildModel({ nodes, inputs: [{ name: 'x', dims }], outputs: [{ name: 'y' }], initializers: init }),
  };
}

/** conv (random geometry, random activation) → 1x1 conv: the random layer has an int8 output. */
function convCase(seed: number, depthwise: boolean, tail: boolean): Case {
  const r = rng(seed);
  const g = randomConv(r, depthwise);
  const act = activation(r, 'c1', 'a1', 1);
  const nodes: NodeSpec[] = [{ op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], name: 'conv', attrs: g.attrs }, ...act.nodes];
  const init: Record<string, Tensor> = { w1: randomTensor([g.M, g.C / g.G, g.KH, g.KW], r, 0.6), b1: randomTensor([g.M], r, 0.3), ...act.init };
  if (tail) {
    nodes.push({ op: 'Conv', inputs: ['a1', 'w2', 'b2'], outputs: ['y'], name: 'tail' });
    init['w2'] = randomTensor([3, g.M, 1, 1], r, 0.5);
    init['b2'] = randomTensor([3], r, 0.1);
  } else {
    nodes.push({ op: 'Identity', inputs: ['a1'], outputs: ['y'] });
  }
  const dims = [1, g.C, g.H, g.W];
  return { desc: `${g.desc} ${act.desc}${tail ? ' →1x1' : ''}`, dims, bytes: buildModel({ nodes, inputs: [{ name: 'x', dims }], outputs: [{ name: 'y' }], initializers: init }) };
}

/**
 * Depthwise conv on planes wider than the AVX-512 kernel's 64-output step and narrow ones (its
 * flattened-plane path): odd widths, channel counts not a multiple of 16, stride 1/2 (also mixed),
 * asymmetric pads, 3x3 / 5x5 / odd kernels, fused Relu or Clip (ReLU6 and a two-sided clip).
 */
function wideDepthwiseCase(seed: number): Case {
  const r = rng(seed);
  const ri = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const C = [17, 24, 33, 40][ri(0, 3)]!;
  const kernel = [
    [3, 3],
    [3, 3],
    [5, 5],
    [ri(1, 7), ri(1, 8)],
  ][ri(0, 3)]!;
  const KH = kernel[0]!;
  const KW = kernel[1]!;
  const sh = ri(1, 2);
  const sw = r() < 0.8 ? sh : 3 - sh;
  const pads = [ri(0, 2), ri(0, 3), ri(0, 2), ri(0, 1)];
  const H = ri(Math.max(1, KH - pads[0]! - pads[2]!), 12);
  const W = r() < 0.5 ? ri(60, 140) : ri(Math.max(1, KW - pads[1]! - pads[3]!), 15);
  const act = activation(r, 'c1', 'a1', 1);
  const attrs: NodeSpec['attrs'] = { group: C, strides: [sh, sw], kernel_shape: [KH, KW], pads };
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], name: 'dw', attrs },
    ...act.nodes,
    { op: 'Conv', inputs: ['a1', 'w2', 'b2'], outputs: ['y'], name: 'tail' },
  ];
  const init: Record<string, Tensor> = {
    w1: randomTensor([C, 1, KH, KW], r, 0.6),
    b1: randomTensor([C], r, 0.3),
    w2: randomTensor([3, C, 1, 1], r, 0.5),
    b2: randomTensor([3], r, 0.1),
    ...act.init,
  };
  const dims = [1, C, H, W];
  const desc = `dw C${C} k${KH}x${KW} s${sh}${sw} p${pads.join('')} ${H}x${W} ${act.desc} →1x1`;
  return { desc, dims, bytes: buildModel({ nodes, inputs: [{ name: 'x', dims }], outputs: [{ name: 'y' }], initializers: init }) };
}

/**
 * conv → pool (random window) → 1x1 conv. `wide` 3 (2): a 3x3 (2x2) stride-2 max pool on rows
 * wide enough for the SIMD pass (16 outputs per step) plus a tail; `short`:
 * rows of 14-40 columns (SqueezeNet's 27 and 28), whose SIMD pass ends in one overlapping step.
 */
function poolCase(
  seed: number,
  kind: 'MaxPool' | 'AveragePool' | 'GlobalAveragePool',
  wide: 0 | 2 | 3 = 0,
  short = false,
  fixed?: { C: number; H: number; W: number; attrs: NodeSpec['attrs'] },
): Case {
  const wide3x3s2 = wide > 0;
  const r = rng(seed);
  const ri = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const C = fixed?.C ?? ri(2, 7);
  const H = fixed?.H ?? ri(5, 13);
  const W = fixed?.W ?? (wide3x3s2 ? (short ? ri(14, 40) : ri(40, 90)) : ri(5, 13));
  const kh = wide3x3s2 ? wide : ri(1, 4);
  const kw = wide3x3s2 ? wide : ri(1, 4);
  const pads = [ri(0, kh - 1), ri(0, kw - 1), ri(0, kh - 1), ri(0, kw - 1)];
  const attrs: NodeSpec['attrs'] =
    fixed?.attrs ?? (kind === 'GlobalAveragePool' ? {} : { kernel_shape: [kh, kw], strides: wide3x3s2 ? [2, 2] : [ri(1, 3), ri(1, 3)], pads, ceil_mode: ri(0, 1) });
  if (kind === 'AveragePool') attrs['count_include_pad'] = ri(0, 1);
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], name: 'conv', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c1'], outputs: ['a1'] },
    { op: kind, inputs: ['a1'], outputs: ['p'], name: 'pool', attrs },
    { op: 'Conv', inputs: ['p', 'w2', 'b2'], outputs: ['y'], name: 'tail' },
  ];
  const init = { w1: randomTensor([C, 3, 3, 3], r, 0.6), b1: randomTensor([C], r, 0.2), w2: randomTensor([4, C, 1, 1], r, 0.5), b2: randomTensor([4], r, 0.1) };
  const dims = [1, 3, H, W];
  return {
    desc: `${kind} ${JSON.stringify(attrs)} on ${C}x${H}x${W}`,
    dims,
    bytes: buildModel({ nodes, inputs: [{ name: 'x', dims }], outputs: [{ name: 'y' }], initializers: init }),
  };
}

/** conv → relu → GlobalAveragePool as the model output (fp32 tail, as SqueezeNet's); 9-20
 * channels so the native pool sums a block of 8 planes and a remainder; `many`: 129-200
 * channels of 30-40 squared, enough work that 2 threads split the planes (64 per task) */
function tailGapCase(seed: number, many = false): Case {
  const r = rng(seed);
  const ri = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const C = many ? ri(129, 200) : ri(9, 20);
  const H = many ? ri(30, 40) : ri(5, 13);
  const W = many ? ri(30, 40) : ri(5, 13);
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], name: 'conv', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c1'], outputs: ['a1'] },
    { op: 'GlobalAveragePool', inputs: ['a1'], outputs: ['y'], name: 'gap' },
  ];
  const init = { w1: randomTensor([C, 3, 3, 3], r, 0.6), b1: randomTensor([C], r, 0.2) };
  const dims = [1, 3, H, W];
  return { desc: `tail GlobalAveragePool on ${C}x${H}x${W}`, dims, bytes: buildModel({ nodes, inputs: [{ name: 'x', dims }], outputs: [{ name: 'y' }], initializers: init }) };
}

/** two convs on one input → Add or Concat → (Relu) → conv → global pool → flatten → gemm (→ relu → gemm) */
function mergeCase(seed: number, merge: 'Add' | 'Concat'): Case {
  const r = rng(seed);
  const ri = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const C = ri(3, 6);
  const M = ri(2, 6);
  const H = ri(4, 10);
  const W = ri(4, 10);
  const N = ri(2, 9);
  const transB = ri(0, 1);
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'wa', 'ba'], outputs: ['ca'], name: 'conv_a', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Conv', inputs: ['x', 'wb', 'bb'], outputs: ['cb'], name: 'conv_b' },
    { op: merge, inputs: ['ca', 'cb'], outputs: ['m'], name: 'merge', attrs: merge === 'Concat' ? { axis: 1 } : {} },
    { op: 'Relu', inputs: ['m'], outputs: ['mr'], name: 'merge_relu' },
    { op: 'Conv', inputs: ['mr', 'wc', 'bc'], outputs: ['cc'], name: 'conv_c' },
    { op: 'GlobalAveragePool', inputs: ['cc'], outputs: ['g'], name: 'gap' },
    { op: 'Flatten', inputs: ['g'], outputs: ['f'], name: 'flat' },
    { op: 'Gemm', inputs: ['f', 'wf', 'bf'], outputs: ['h'], name: 'fc1', attrs: { transB } },
    { op: 'Relu', inputs: ['h'], outputs: ['hr'] },
    { op: 'Gemm', inputs: ['hr', 'wg', 'bg'], outputs: ['y'], name: 'fc2', attrs: { transB: 1 } },
  ];
  const Mc = merge === 'Concat' ? 2 * M : M;
  const init = {
    wa: randomTensor([M, C, 3, 3], r, 0.5),
    ba: randomTensor([M], r, 0.2),
    wb: randomTensor([M, C, 1, 1], r, 0.9),
    bb: randomTensor([M], r, 0.2),
    wc: randomTensor([5, Mc, 1, 1], r, 0.5),
    bc: randomTensor([5], r, 0.1),
    wf: randomTensor(transB ? [N, 5] : [5, N], r, 0.7),
    bf: randomTensor([N], r, 0.1),
    wg: randomTensor([3, N], r, 0.7),
    bg: randomTensor([3], r, 0.1),
  };
  const dims = [1, C, H, W];
  return {
    desc: `${merge} C${C} M${M} ${H}x${W} gemm N${N} transB${transB}`,
    dims,
    bytes: buildModel({ nodes, inputs: [{ name: 'x', dims }], outputs: [{ name: 'y' }], initializers: init }),
  };
}

/**
 * Unsigned activations (zero offsets): conv+relu → conv (random geometry, activation) → average
 * pool beside it → concat → 1x1 conv+relu → max pool (padded) → padded 3x3 conv+relu → global
 * pool → flatten → gemm. Zero offsets reach padded and depthwise convs (through the -z pad),
 * concat with and without requantization, both pools, the reshape and a Gemm.
 */
function unsignedChainCase(seed: number, depthwise: boolean): Case {
  const r = rng(seed);
  const g = randomConv(r, depthwise);
  const act = activation(r, 'c2', 'a2', 2);
  const cip = Math.floor(r() * 2);
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], name: 'conv1', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c1'], outputs: ['a1'] },
    { op: 'Conv', inputs: ['a1', 'w2', 'b2'], outputs: ['c2'], name: 'conv2', attrs: g.attrs },
    ...act.nodes,
    { op: 'AveragePool', inputs: ['a2'], outputs: ['ap'], name: 'apool', attrs: { kernel_shape: [2, 2], strides: [1, 1], pads: [0, 0, 1, 1], count_include_pad: cip } },
    { op: 'Concat', inputs: ['a2', 'ap'], outputs: ['cat'], name: 'cat', attrs: { axis: 1 } },
    { op: 'Conv', inputs: ['cat', 'w3', 'b3'], outputs: ['c3'], name: 'conv3' },
    { op: 'Relu', inputs: ['c3'], outputs: ['a3'] },
    { op: 'MaxPool', inputs: ['a3'], outputs: ['mp'], name: 'mpool', attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
    { op: 'Conv', inputs: ['mp', 'w4', 'b4'], outputs: ['c4'], name: 'conv4', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c4'], outputs: ['a4'] },
    { op: 'GlobalAveragePool', inputs: ['a4'], outputs: ['gp'], name: 'gap' },
    { op: 'Flatten', inputs: ['gp'], outputs: ['f'], name: 'flat' },
    { op: 'Gemm', inputs: ['f', 'wf', 'bf'], outputs: ['y'], name: 'fc', attrs: { transB: 1 } },
  ];
  const init: Record<string, Tensor> = {
    w1: randomTensor([g.C, 3, 3, 3], r, 0.6),
    b1: randomTensor([g.C], r, 0.2),
    w2: randomTensor([g.M, g.C / g.G, g.KH, g.KW], r, 0.6),
    b2: randomTensor([g.M], r, 0.3),
    w3: randomTensor([4, 2 * g.M, 1, 1], r, 0.5),
    b3: randomTensor([4], r, 0.1),
    w4: randomTensor([3, 4, 3, 3], r, 0.5),
    b4: randomTensor([3], r, 0.1),
    wf: randomTensor([5, 3], r, 0.7),
    bf: randomTensor([5], r, 0.1),
    ...act.init,
  };
  const dims = [1, 3, g.H, g.W];
  return {
    desc: `unsigned: ${g.desc} ${act.desc} avgpool cip${cip} → concat → maxpool → 3x3`,
    dims,
    bytes: buildModel({ nodes, inputs: [{ name: 'x', dims }], outputs: [{ name: 'y' }], initializers: init }),
  };
}

const CASES: Case[] = [
  ...Array.from({ length: 40 }, (_, i) => convCase(1000 + i, false, true)),
  ...Array.from({ length: 12 }, (_, i) => convCase(2000 + i, true, true)),
  ...Array.from({ length: 8 }, (_, i) => convCase(3000 + i, i % 2 === 0, false)),
  ...Array.from({ length: 8 }, (_, i) => wideDepthwiseCase(3500 + i)),
  ...Array.from({ length: 8 }, (_, i) => poolCase(4000 + i, 'MaxPool')),
  ...Array.from({ length: 4 }, (_, i) => poolCase(4100 + i, 'MaxPool', 3)),
  ...Array.from({ length: 4 }, (_, i) => poolCase(4200 + i, 'MaxPool', 2)),
  ...Array.from({ length: 4 }, (_, i) => poolCase(4300 + i, 'MaxPool', 3, true)),
  ...Array.from({ length: 2 }, (_, i) => poolCase(4400 + i, 'MaxPool', 2, true)),
  // tiny-YOLO's pools on many planes (the flat stride-1 and 2x2 stride-2 paths): 2x2 stride 1
  // 'same' (bottom/right pad), 2x2 stride 2 on an odd width with ceil_mode
  poolCase(4500, 'MaxPool', 0, false, { C: 40, H: 13, W: 13, attrs: { kernel_shape: [2, 2], strides: [1, 1], pads: [0, 0, 1, 1] } }),
  poolCase(4501, 'MaxPool', 0, false, { C: 24, H: 26, W: 27, attrs: { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 } }),
  ...Array.from({ length: 8 }, (_, i) => poolCase(5000 + i, 'AveragePool')),
  ...Array.from({ length: 3 }, (_, i) => poolCase(6000 + i, 'GlobalAveragePool')),
  ...Array.from({ length: 2 }, (_, i) => tailGapCase(6100 + i)),
  ...Array.from({ length: 2 }, (_, i) => tailGapCase(6200 + i, true)),
  ...Array.from({ length: 4 }, (_, i) => mergeCase(7000 + i, 'Add')),
  ...Array.from({ length: 4 }, (_, i) => mergeCase(8000 + i, 'Concat')),
  classifierCase(9100),
  rowSplitConvCase(9150),
  ...Array.from({ length: 10 }, (_, i) => unsignedChainCase(9200 + i, i % 3 === 2)),
];

describe('native int8 kernels: randomized layers', () => {
  beforeAll(() => ensureNativeAddon(), BUILD_TIMEOUT_MS);
  const kindsSeen = new Set<string>();

  CASES.forEach((c, i) => {
    it(`#${i} ${c.desc}`, async () => {
      const model = loadModelBytes(c.bytes, `case${i}.onnx`);
      for (const bits of [8, 7]) {
        // calibrated on two inputs, run on those and on a louder one (saturation)
        const calib = randomInputs(c.dims, 2, 10 * i + bits, 1);
        // every fourth case (and every unsigned chain) also with unsigned activations
        for (const unsigned of c.desc.startsWith('unsigned') ? [true] : i % 4 === 0 ? [false, true] : [false]) {
          const q = await quantize(model, calib, bits, unsigned);
          for (const op of q.prog.ops) kindsSeen.add(op.kind === 'qlinear' ? `qlinear:${op.geom.kind}:${op.outScale === undefined ? 'f32' : 'int8'}` : op.kind);
          for (const [name, z] of q.prog.intZeros ?? [])
            kindsSeen.add(`zero:${q.prog.ops.find((o) => o.kind !== 'float' && o.output === name)?.kind}:${z === (bits === 8 ? 127 : 63)}`);
          expectSame(q.graph, q.prog, [...calib, ...randomInputs(c.dims, 1, 99 + i, 2.5)], c.dims, `${c.desc} INT${bits}${unsigned ? ' unsigned' : ''}`, c.gemmOn2Threads);
        }
      }
    });
  });

  it('the random cases cover the int8 op kinds and both output stages', () => {
    for (const k of [
      'quantize',
      'qlinear:conv:int8',
      'qlinear:conv:f32',
      'qlinear:gemm:int8',
      'qlinear:gemm:f32',
      'qmaxpool',
      'qavgpool',
      'qrelu',
      'qreshape',
      'qconcat',
      'qadd',
    ]) {
      expect(kindsSeen, k).toContain(k);
    }
    // zero offsets on the outputs of every op kind that makes them
    for (const k of ['qlinear', 'qpad', 'qmaxpool', 'qavgpool', 'qconcat', 'qreshape']) expect(kindsSeen, `zero offset on ${k}`).toContain(`zero:${k}:true`);
  });
});

/**
 * FP32 fallback ops (not in the bit-exact contract: float32 results within 1e-5 relative of the
 * TypeScript kernels). Ops on the graph input run in float, and so do a rank-3 MatMul and a
 * Gemm with alpha != 1 (the quantizer leaves them FP32). The model's 1-D Conv is imported as a
 * 2-D Conv with H = 1 (test/unit/import-conv1d.test.ts) and quantized, so it is no longer here.
 */
describe('native FP32 fallback ops', () => {
  beforeAll(() => ensureNativeAddon(), BUILD_TIMEOUT_MS);

  for (const opset of [11, 13]) {
    it(`opset ${opset}: Sigmoid, Clip, pools, Squeeze/Unsqueeze, Reshape, Transpose, MatMul, Gemm, binary ops, Exp, Slice, Concat, Softmax`, async () => {
      const model = loadModelBytes(floatOpsModel(opset), `float${opset}.onnx`);
      const dims = [1, 4, 6, 6];
      const q = await quantize(model, randomInputs(dims, 2, 17, 1.5), 8);
      const floats = new Set(q.prog.ops.filter((o) => o.kind === 'float').map((o) => (o.kind === 'float' ? o.node.op : '')));
      for (const op of [
        'Sigmoid',
        'Clip',
        'Squeeze',
        'Unsqueeze',
        'MaxPool',
        'AveragePool',
        'Reshape',
        'Transpose',
        'MatMul',
        'Gemm',
        'Div',
        'Sub',
        'Exp',
        'Slice',
        'Mul',
        'Concat',
        'Softmax',
        'Add',
        'GlobalAveragePool',
        'GlobalMaxPool',
        'Flatten',
      ]) {
        expect(floats, op).toContain(op);
      }
      const session = Runtime.load(compileIntProgram(q.graph, q.prog));
      for (const x of randomInputs(dims, 3, 23, 2)) {
        const ref = runReference(q, x, dims);
        const nat = session.run(x, dims);
        ref.outputs.forEach((a, k) => expect(maxRelativeDifference(a, nat[k]!), `output ${k}`).toBeLessThanOrEqual(1e-5));
      }
    });
  }
});
