/** Small quantized models for the native-runtime tests (built in memory, no ../shared needed). */
import { calibrate } from '../../src-main/pipeline/calib/calibrate.js';
import { DEFAULT_SETTINGS } from '../../src-main/core/calib/settings.js';
import type { IntProgram } from '../../src-main/core/engine/int-program.js';
import { lowerToIntProgram } from '../../src-main/core/engine/lower.js';
import { runIntProgram } from '../../src-main/core/engine/int-ref.js';
import type { Graph } from '../../src-main/core/graph/ir.js';
import { loadModelBytes, type LoadedModel } from '../../src-main/core/graph/load.js';
import type { QuantPlan } from '../../src-main/core/quant/plan.js';
import type { ScaleTable } from '../../src-main/core/quant/scale-table.js';
import { buildModel, randomTensor, rng, type NodeSpec } from './onnx-build.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';

export interface QuantizedModel {
  model: LoadedModel;
  graph: Graph;
  plan: QuantPlan;
  table: ScaleTable;
  prog: IntProgram;
  dims: number[];
  samples: Float32Array[];
}

/** min-max calibration on the given samples (fast), lowered to the integer program; `unsigned`: unsigned activations. */
export async function quantize(model: LoadedModel, samples: Float32Array[], bits: number, unsigned = false): Promise<QuantizedModel> {
  const dims = model.graph.inputs[0]!.dims;
  const res = await calibrate(model, samples, dims, { ...DEFAULT_SETTINGS, method: 'minmax', bits, unsignedActivations: unsigned });
  const prog = lowerToIntProgram(model.graph, res.plan, res.table);
  return { model, graph: model.graph, plan: res.plan, table: res.table, prog, dims, samples };
}

export function randomInputs(dims: number[], count: number, seed: number, amp = 1.5): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => randomTensor(dims, r, amp).data as Float32Array);
}

/**
 * A small CNN touching every int8 op kind and a float tail: conv+relu → maxpool(ceil) → two convs
 * (shared input) → concat → add with a third branch → relu → averagepool → global pool → flatten
 * → gemm → softmax.
 */
export function tinyModelBytes(seed = 5): Uint8Array {
  const r = rng(seed);
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], name: 'conv1', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c1'], outputs: ['r1'], name: 'relu1' },
    { op: 'MaxPool', inputs: ['r1'], outputs: ['p1'], name: 'pool1', attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 } },
    { op: 'Conv', inputs: ['p1', 'w2', 'b2'], outputs: ['c2'], name: 'conv2' },
    { op: 'Relu', inputs: ['c2'], outputs: ['r2'], name: 'relu2' },
    { op: 'Conv', inputs: ['p1', 'w3', 'b3'], outputs: ['c3'], name: 'conv3', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Clip', inputs: ['c3', 'cmin', 'cmax'], outputs: ['r3'], name: 'relu6_3' },
    { op: 'Concat', inputs: ['r2', 'r3'], outputs: ['cat'], name: 'cat', attrs: { axis: 1 } },
    { op: 'Conv', inputs: ['p1', 'w4', 'b4'], outputs: ['c4'], name: 'conv4', attrs: { group: 2 } },
    { op: 'Add', inputs: ['cat', 'c4'], outputs: ['sum'], name: 'add' },
    { op: 'Relu', inputs: ['sum'], outputs: ['rs'], name: 'relu_sum' },
    { op: 'AveragePool', inputs: ['rs'], outputs: ['ap'], name: 'apool', attrs: { kernel_shape: [2, 2], strides: [1, 1], pads: [1, 1, 0, 0], count_include_pad: 1 } },
    { op: 'Conv', inputs: ['ap', 'w5', 'b5'], outputs: ['c5'], name: 'conv5' },
    { op: 'GlobalAveragePool', inputs: ['c5'], outputs: ['gap'], name: 'gap' },
    { op: 'Flatten', inputs: ['gap'], outputs: ['flat'], name: 'flat' },
    { op: 'Gemm', inputs: ['flat', 'wf', 'bf'], outputs: ['logits'], name: 'fc', attrs: { transB: 1 } },
    { op: 'Softmax', inputs: ['logits'], outputs: ['y'], name: 'softmax', attrs: { axis: 1 } },
  ];
  const init: Record<string, Tensor> = {
    w1: randomTensor([8, 3, 3, 3], r, 0.5),
    b1: randomTensor([8], r, 0.1),
    w2: randomTensor([6, 8, 1, 1], r, 0.5),
    b2: randomTensor([6], r, 0.1),
    w3: randomTensor([6, 8, 3, 3], r, 0.3),
    b3: randomTensor([6], r, 0.1),
    cmin: { dtype: 'float32', dims: [], data: Float32Array.of(0) },
    cmax: { dtype: 'float32', dims: [], data: Float32Array.of(6) },
    w4: randomTensor([12, 4, 1, 1], r, 0.5),
    b4: randomTensor([12], r, 0.1),
    w5: randomTensor([10, 12, 3, 3], r, 0.3),
    b5: randomTensor([10], r, 0.1),
    wf: randomTensor([5, 10], r, 0.5),
    bf: randomTensor([5], r, 0.1),
  };
  return buildModel({ nodes, inputs: [{ name: 'x', dims: [1, 3, 12, 12] }], outputs: [{ name: 'y' }], initializers: init });
}

export async function tinyQuantized(bits = 8, seed = 5): Promise<QuantizedModel> {
  const model = loadModelBytes(tinyModelBytes(seed), 'tiny.onnx');
  return quantize(model, randomInputs([1, 3, 12, 12], 3, seed + 100), bits);
}

/** Runs the TypeScript integer reference with taps. */
export function runReference(q: Pick<QuantizedModel, 'graph' | 'prog'>, x: Float32Array, dims: number[]) {
  const taps = new Map<string, Float32Array>();
  const out = runIntProgram(q.graph, q.prog, x, dims, (l, t) => taps.set(l, t));
  return { outputs: out.outputs.map((o) => o.data), taps };
}

/** Index of the first element that differs bit for bit (NaN equals NaN), or -1. */
export function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}

/** Largest |a-b| / max(|a|, |b|, floor) over the arrays. */
export function maxRelativeDifference(a: Float32Array, b: Float32Array, floor = 1e-6): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    const d = Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(a[i]!), Math.abs(b[i]!), floor);
    if (d > m || Number.isNaN(d)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Float ops on the graph input, a 1-D Conv, a MatMul by a 3-D weight and a Gemm with alpha != 1 stay FP32; one quantized Gemm at the end. */
export function floatOpsModel(opset: number): Uint8Array {
  const r = rng(opset);
  const i64 = (v: number[]): Tensor => ({ dtype: 'int64', dims: [v.length], data: Float64Array.from(v) });
  const scalar = (v: number): Tensor => ({ dtype: 'float32', dims: [], data: Float32Array.of(v) });
  const axes = (name: string, v: number[]): { inputs: string[]; attrs: NodeSpec['attrs'] } =>
    opset >= 13 ? { inputs: [name, `${name}_axes`], attrs: {} } : { inputs: [name], attrs: { axes: v } };
  const sq = axes('ap', [0]);
  const usq = axes('sqz', [0]);
  const nodes: NodeSpec[] = [
    { op: 'Sigmoid', inputs: ['x'], outputs: ['s'] },
    { op: 'Clip', inputs: ['s', 'cmin', 'cmax'], outputs: ['cl'] },
    { op: 'MaxPool', inputs: ['cl'], outputs: ['mp'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } },
    { op: 'AveragePool', inputs: ['x'], outputs: ['ap'], attrs: { kernel_shape: [2, 3], strides: [1, 2], pads: [1, 0, 0, 1], count_include_pad: 1 } },
    { op: 'Squeeze', inputs: sq.inputs, outputs: ['sqz'], attrs: sq.attrs },
    { op: 'Unsqueeze', inputs: usq.inputs, outputs: ['usq'], attrs: usq.attrs },
    { op: 'Reshape', inputs: ['usq', 'shape1'], outputs: ['r1'] },
    { op: 'Conv', inputs: ['r1', 'w1d', 'b1d'], outputs: ['c1d'], attrs: { pads: [1, 2], strides: [2], dilations: [2] } },
    { op: 'Relu', inputs: ['c1d'], outputs: ['c1r'] },
    { op: 'Transpose', inputs: ['c1r'], outputs: ['t'], attrs: { perm: [0, 2, 1] } },
    { op: 'MatMul', inputs: ['t', 'wmm'], outputs: ['mm'] },
    { op: 'Flatten', inputs: ['mm'], outputs: ['fl'], attrs: { axis: 1 } },
    { op: 'Gemm', inputs: ['fl', 'wg', 'bg'], outputs: ['g'], attrs: { alpha: 0.5, beta: 0.75 } },
    { op: 'Div', inputs: ['g', 'dv'], outputs: ['d'] },
    { op: 'Sub', inputs: ['d', 'sv'], outputs: ['sb'] },
    { op: 'Exp', inputs: ['sb'], outputs: ['e'] },
    { op: 'Slice', inputs: ['e', 'st', 'en', 'ax', 'stp'], outputs: ['sl'] },
    { op: 'Mul', inputs: ['sl', 'mv'], outputs: ['ml'] },
    { op: 'Concat', inputs: ['ml', 'e'], outputs: ['cc'], attrs: { axis: 1 } },
    { op: 'Softmax', inputs: ['cc'], outputs: ['y1'], attrs: { axis: 1 } },
    { op: 'Add', inputs: ['mp', 'bias4'], outputs: ['mpb'] },
    { op: 'GlobalAveragePool', inputs: ['mpb'], outputs: ['gap'] },
    { op: 'GlobalMaxPool', inputs: ['mp'], outputs: ['gmp'] },
    { op: 'Concat', inputs: ['gap', 'gmp'], outputs: ['gg'], attrs: { axis: 1 } },
    { op: 'Flatten', inputs: ['gg'], outputs: ['gf'] },
    { op: 'Gemm', inputs: ['gf', 'wq', 'bq'], outputs: ['y2'], name: 'fc_q', attrs: { transB: 1 } },
    // axis 1 of a 4-D tensor: over C*H*W before opset 13 (coerced to 2-D), over C from opset 13
    { op: 'Softmax', inputs: ['mpb'], outputs: ['y3'], attrs: { axis: 1 } },
    // moves only unit axes ([1,4,1,1] -> [1,1,1,4]): the native side runs it as a plain copy
    { op: 'Transpose', inputs: ['gap'], outputs: ['y4'], attrs: { perm: [2, 0, 3, 1] } },
  ];
  const init: Record<string, Tensor> = {
    cmin: scalar(0.2),
    cmax: scalar(0.8),
    ...(opset >= 13 ? { sqz_axes: i64([0]), ap_axes: i64([0]) } : {}),
    shape1: i64([1, 4, -1]),
    w1d: randomTensor([5, 4, 3], r, 0.5),
    b1d: randomTensor([5], r, 0.1),
    wmm: randomTensor([1, 5, 3], r, 0.5), // 3-D: the MatMul stays FP32 (a 2-D weight would quantize it)
    wg: randomTensor([27, 7], r, 0.3),
    bg: randomTensor([1, 7], r, 0.2),
    sv: scalar(0.25),
    st: i64([1]),
    en: i64([9.223372036854776e18]),
    ax: i64([1]),
    stp: i64([2]),
    mv: randomTensor([1, 3], r, 1),
    bias4: randomTensor([4, 1, 1], r, 0.3),
    wq: randomTensor([6, 8], r, 0.5),
    bq: randomTensor([6], r, 0.1),
  };
  init['dv'] = { dtype: 'float32', dims: [7], data: Float32Array.from(randomTensor([7], r, 1).data, (v) => 1.5 + v) };
  return buildModel({ nodes, inputs: [{ name: 'x', dims: [1, 4, 6, 6] }], outputs: [{ name: 'y1' }, { name: 'y2' }, { name: 'y3' }, { name: 'y4' }], initializers: init, opset });
}

/** The FP32 fallback ops of real CNNs between two quantized convolutions (opset 17): PRelu, HardSwish, Pad, Split, Max/Min, Concat with a constant, SiLU, ReduceMean. */
export function cnnOpsModel(): Uint8Array {
  const r = rng(17);
  const i64 = (v: number[]): Tensor => ({ dtype: 'int64', dims: [v.length], data: Float64Array.from(v) });
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['a'], name: 'conv1', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'PRelu', inputs: ['a', 'slope'], outputs: ['p'], name: 'prelu' },
    { op: 'HardSwish', inputs: ['p'], outputs: ['h'], name: 'hswish' },
    { op: 'Pad', inputs: ['h', 'pads'], outputs: ['pd'], name: 'pad', attrs: { mode: 'reflect' } },
    { op: 'Split', inputs: ['pd', 'sizes'], outputs: ['s1', 's2'], name: 'split', attrs: { axis: 1 } },
    { op: 'Max', inputs: ['s1', 'mx'], outputs: ['mxo'], name: 'max' },
    { op: 'Min', inputs: ['s2', 'mn'], outputs: ['mno'], name: 'min' },
    { op: 'Concat', inputs: ['mxo', 'mno', 'zeros'], outputs: ['cat'], name: 'cat', attrs: { axis: 1 } },
    { op: 'Conv', inputs: ['cat', 'w2', 'b2'], outputs: ['c2'], name: 'conv2' },
    { op: 'Sigmoid', inputs: ['c2'], outputs: ['sg'], name: 'sigmoid' },
    { op: 'Mul', inputs: ['c2', 'sg'], outputs: ['silu'], name: 'silu' },
    { op: 'ReduceMean', inputs: ['silu'], outputs: ['y'], name: 'mean', attrs: { axes: [2, 3], keepdims: 0 } },
  ];
  const init: Record<string, Tensor> = {
    w1: randomTensor([8, 3, 3, 3], r, 0.5),
    b1: randomTensor([8], r, 0.1),
    slope: randomTensor([8, 1, 1], r, 0.5),
    pads: i64([0, 0, 1, 1, 0, 0, 1, 1]),
    sizes: i64([3, 5]),
    mx: randomTensor([1, 3, 1, 1], r, 0.3),
    mn: { dtype: 'float32', dims: [], data: Float32Array.of(0.4) },
    zeros: { dtype: 'float32', dims: [1, 2, 10, 10], data: new Float32Array(200) },
    w2: randomTensor([6, 10, 3, 3], r, 0.3),
    b2: randomTensor([6], r, 0.1),
  };
  return buildModel({ nodes, inputs: [{ name: 'x', dims: [1, 3, 8, 8] }], outputs: [{ name: 'y' }], initializers: init, opset: 17 });
}

/**
 * The M-LSD peak mask and the Cast variants as FP32 fallback ops: conv → MaxPool 3x3 →
 * Equal(a, pooled) → Cast FLOAT → Mul (keep the local maxima); a scaled copy of the conv output
 * through Cast INT32 (wraps), UINT8 (wraps), BOOL and INT64 (Equal on int64 inputs) and back to
 * FLOAT; a FLOAT16 cast (float32 in EQM).
 */
export function maskOpsModel(): Uint8Array {
  const r = rng(23);
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['a'], name: 'conv', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'MaxPool', inputs: ['a'], outputs: ['mp'], name: 'peak_pool', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    { op: 'Equal', inputs: ['a', 'mp'], outputs: ['eq'], name: 'peak_equal' },
    { op: 'Cast', inputs: ['eq'], outputs: ['eqf'], name: 'peak_cast', attrs: { to: 1 } },
    { op: 'Mul', inputs: ['a', 'eqf'], outputs: ['peaks'], name: 'peak_mul' },
    { op: 'Mul', inputs: ['a', 'big'], outputs: ['ab'], name: 'scale_up' },
    { op: 'Cast', inputs: ['ab'], outputs: ['i32'], name: 'to_int32', attrs: { to: 6 } },
    { op: 'Cast', inputs: ['i32'], outputs: ['i32f'], name: 'int32_back', attrs: { to: 1 } },
    { op: 'Cast', inputs: ['ab'], outputs: ['u8'], name: 'to_uint8', attrs: { to: 2 } },
    { op: 'Cast', inputs: ['u8'], outputs: ['u8f'], name: 'uint8_back', attrs: { to: 1 } },
    { op: 'Cast', inputs: ['a'], outputs: ['bl'], name: 'to_bool', attrs: { to: 9 } },
    { op: 'Cast', inputs: ['bl'], outputs: ['blf'], name: 'bool_back', attrs: { to: 1 } },
    { op: 'Cast', inputs: ['ab'], outputs: ['i64a'], name: 'a_int64', attrs: { to: 7 } },
    { op: 'Cast', inputs: ['mp'], outputs: ['i64m'], name: 'mp_int64', attrs: { to: 7 } },
    { op: 'Equal', inputs: ['i64a', 'i64m'], outputs: ['eqi'], name: 'equal_int64' },
    { op: 'Cast', inputs: ['eqi'], outputs: ['eqh'], name: 'equal_int64_half', attrs: { to: 10 } },
    { op: 'Cast', inputs: ['eqh'], outputs: ['eqif'], name: 'equal_int64_back', attrs: { to: 1 } },
    { op: 'Equal', inputs: ['a', 'thr'], outputs: ['eqb'], name: 'equal_broadcast' },
    { op: 'Cast', inputs: ['eqb'], outputs: ['eqbf'], name: 'equal_broadcast_back', attrs: { to: 1 } },
  ];
  const init: Record<string, Tensor> = {
    w: randomTensor([4, 3, 3, 3], r, 0.5),
    b: randomTensor([4], r, 0.1),
    big: { dtype: 'float32', dims: [], data: Float32Array.of(3e9) },
    thr: { dtype: 'float32', dims: [4, 1, 1], data: Float32Array.of(0, 0, 0, 0) },
  };
  const outs = ['peaks', 'i32f', 'u8f', 'blf', 'eqif', 'eqbf'];
  return buildModel({ nodes, inputs: [{ name: 'x', dims: [1, 3, 8, 8] }], outputs: outs.map((name) => ({ name })), initializers: init, opset: 17 });
}

/**
 * Activation chains between quantized convolutions, each run as one int8 table (qlut): a
 * decomposed HardSwish x·Clip(x+3, 0, 6)/6, HardSigmoid, SiLU x·Sigmoid(x), Tanh(Max(LeakyRelu(x), c)); then a
 * squeeze-excitation block (GlobalAveragePool → conv → relu → conv → HardSigmoid → Mul, the
 * qavgpool/qlut/qmul ops); opset 17.
 */
export function lutOpsModel(): Uint8Array {
  const r = rng(23);
  const scalar = (v: number): Tensor => ({ dtype: 'float32', dims: [], data: Float32Array.of(v) });
  const conv = (i: number, x: string, y: string): NodeSpec => ({ op: 'Conv', inputs: [x, `w${i}`, `b${i}`], outputs: [y], name: `conv${i}`, attrs: { pads: [1, 1, 1, 1] } });
  const nodes: NodeSpec[] = [
    conv(1, 'x', 'c1'),
    { op: 'Add', inputs: ['c1', 'three'], outputs: ['hs_a'], name: 'hs_add' },
    { op: 'Clip', inputs: ['hs_a', 'zero', 'six'], outputs: ['hs_c'], name: 'hs_clip' },
    { op: 'Mul', inputs: ['c1', 'hs_c'], outputs: ['hs_m'], name: 'hs_mul' },
    { op: 'Div', inputs: ['hs_m', 'six'], outputs: ['hs'], name: 'hs_div' },
    conv(2, 'hs', 'c2'),
    { op: 'HardSigmoid', inputs: ['c2'], outputs: ['hsig'], name: 'hsig', attrs: { alpha: 0.2, beta: 0.5 } },
    conv(3, 'hsig', 'c3'),
    { op: 'Sigmoid', inputs: ['c3'], outputs: ['sg'], name: 'sigmoid' },
    { op: 'Mul', inputs: ['c3', 'sg'], outputs: ['silu'], name: 'silu' },
    conv(4, 'silu', 'c4'),
    { op: 'LeakyRelu', inputs: ['c4'], outputs: ['lr'], name: 'leaky', attrs: { alpha: 0.2 } },
    { op: 'Max', inputs: ['lr', 'floor'], outputs: ['lrm'], name: 'max_floor' },
    { op: 'Tanh', inputs: ['lrm'], outputs: ['th'], name: 'tanh' },
    conv(5, 'th', 'c5'),
    { op: 'Relu', inputs: ['c5'], outputs: ['r5'], name: 'relu5' },
    { op: 'GlobalAveragePool', inputs: ['r5'], outputs: ['se_gap'], name: 'se_gap' },
    { op: 'Conv', inputs: ['se_gap', 'w6', 'b6'], outputs: ['se_c1'], name: 'se_conv1' },
    { op: 'Relu', inputs: ['se_c1'], outputs: ['se_r'], name: 'se_relu' },
    { op: 'Conv', inputs: ['se_r', 'w7', 'b7'], outputs: ['se_c2'], name: 'se_conv2' },
    { op: 'HardSigmoid', inputs: ['se_c2'], outputs: ['se_g'], name: 'se_gate', attrs: { alpha: 1 / 6, beta: 0.5 } },
    { op: 'Mul', inputs: ['r5', 'se_g'], outputs: ['se'], name: 'se_mul' },
    conv(8, 'se', 'y'),
  ];
  const init: Record<string, Tensor> = { three: scalar(3), zero: scalar(0), six: scalar(6), floor: scalar(-0.4) };
  const ch = [3, 8, 8, 6, 6, 4];
  for (let i = 1; i <= 5; i++) {
    init[`w${i}`] = randomTensor([ch[i]!, ch[i - 1]!, 3, 3], r, 0.6);
    init[`b${i}`] = randomTensor([ch[i]!], r, 0.3);
  }
  init['w6'] = randomTensor([2, 4, 1, 1], r, 0.6);
  init['b6'] = randomTensor([2], r, 0.3);
  init['w7'] = randomTensor([4, 2, 1, 1], r, 0.6);
  init['b7'] = randomTensor([4], r, 0.3);
  init['w8'] = randomTensor([3, 4, 3, 3], r, 0.6);
  init['b8'] = randomTensor([3], r, 0.3);
  return buildModel({ nodes, inputs: [{ name: 'x', dims: [1, 3, 8, 8] }], outputs: [{ name: 'y' }], initializers: init, opset: 17 });
}

/**
 * The openWakeWord mel-spectrogram / hey-jarvis float tail as FP32 fallback ops: conv → Log
 * (NaN for negatives), Relu → Log (-Infinity for zeros), ReduceMax over negative / positive /
 * all axes with keepdims 0 and 1 (a NaN input wins), GreaterOrEqual / LessOrEqual broadcast
 * against per-channel thresholds (0 meets Relu's zeros) and a reduced tensor (meets its maxima),
 * cast to FLOAT. Opset 18 takes the
 * ReduceMax axes as an input and adds a noop_with_empty_axes copy.
 */
export function logReduceModel(opset: 17 | 18): Uint8Array {
  const r = rng(29);
  const reduceMax = (name: string, out: string, axesInit: string, axes: number[], keepdims: number): NodeSpec =>
    opset >= 18
      ? { op: 'ReduceMax', inputs: ['a', axesInit], outputs: [out], name, attrs: { keepdims } }
      : { op: 'ReduceMax', inputs: ['a'], outputs: [out], name, attrs: { axes, keepdims } };
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['a'], name: 'conv', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Log', inputs: ['a'], outputs: ['la'], name: 'log_signed' },
    { op: 'Relu', inputs: ['a'], outputs: ['ra'], name: 'relu' },
    { op: 'Log', inputs: ['ra'], outputs: ['lr'], name: 'log_relu' },
    reduceMax('max_last', 'm1', 'ax_last', [-1], 0),
    reduceMax('max_two', 'm2', 'ax_two', [1, -2], 1),
    { op: 'ReduceMax', inputs: ['la'], outputs: ['m3'], name: 'max_nan', attrs: { keepdims: 0 } },
    { op: 'ReduceMax', inputs: ['lr'], outputs: ['m4'], name: 'max_inf_all' },
    { op: 'GreaterOrEqual', inputs: ['ra', 'thr'], outputs: ['ge'], name: 'ge_thr' },
    { op: 'Cast', inputs: ['ge'], outputs: ['gef'], name: 'ge_cast', attrs: { to: 1 } },
    { op: 'LessOrEqual', inputs: ['m2', 'a'], outputs: ['le'], name: 'le_max' },
    { op: 'Cast', inputs: ['le'], outputs: ['lef'], name: 'le_cast', attrs: { to: 1 } },
  ];
  const init: Record<string, Tensor> = {
    w: randomTensor([4, 3, 3, 3], r, 0.5),
    b: randomTensor([4], r, 0.1),
    thr: { dtype: 'float32', dims: [4, 1, 1], data: Float32Array.of(0, 0.5, -0.5, 0) },
  };
  const outs = ['la', 'lr', 'm1', 'm2', 'm3', 'm4', 'gef', 'lef'];
  if (opset >= 18) {
    init['ax_last'] = { dtype: 'int64', dims: [1], data: Float64Array.of(-1) };
    init['ax_two'] = { dtype: 'int64', dims: [2], data: Float64Array.of(1, -2) };
    nodes.push({ op: 'ReduceMax', inputs: ['lr'], outputs: ['m5'], name: 'max_noop', attrs: { noop_with_empty_axes: 1 } });
    outs.push('m5');
  }
  return buildModel({ nodes, inputs: [{ name: 'x', dims: [1, 3, 8, 8] }], outputs: outs.map((name) => ({ name })), initializers: init, opset });
}

/**
 * A BlazeFace/FPN-style model whose Pad, MaxPool and Resize run on int8 (qpad, qresize):
 * conv → relu → maxpool → channel Pad (zeros) + conv → Add → relu; a strided conv upsampled by
 * a linear half_pixel Resize (sizes) + conv → Add; a nearest Resize (scales) → spatial Pad with
 * an explicit 0 → conv (y); an align_corners linear Resize to 11×13 → 1×1 conv (y2); opset 17.
 */
export function fpnOpsModel(): Uint8Array {
  const r = rng(31);
  const i64 = (...v: number[]): Tensor => ({ dtype: 'int64', dims: [v.length], data: Float64Array.from(v) });
  const f = (dims: number[], ...v: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(v) });
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], name: 'conv1', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c1'], outputs: ['r1'], name: 'relu1' },
    { op: 'MaxPool', inputs: ['r1'], outputs: ['p1'], name: 'pool1', attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: 'Pad', inputs: ['p1', 'chpad'], outputs: ['pp1'], name: 'channel_pad' },
    { op: 'Conv', inputs: ['p1', 'w2', 'b2'], outputs: ['c2'], name: 'conv2', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Add', inputs: ['pp1', 'c2'], outputs: ['s1'], name: 'add1' },
    { op: 'Relu', inputs: ['s1'], outputs: ['rs1'], name: 'relu_s1' },
    { op: 'Conv', inputs: ['rs1', 'w3', 'b3'], outputs: ['c3'], name: 'conv3', attrs: { pads: [1, 1, 1, 1], strides: [2, 2] } },
    { op: 'Relu', inputs: ['c3'], outputs: ['r3'], name: 'relu3' },
    { op: 'Resize', inputs: ['r3', '', '', 'size8'], outputs: ['up1'], name: 'up_linear', attrs: { mode: 'linear', coordinate_transformation_mode: 'half_pixel' } },
    { op: 'Conv', inputs: ['rs1', 'w4', 'b4'], outputs: ['c4'], name: 'conv4' },
    { op: 'Add', inputs: ['up1', 'c4'], outputs: ['s2'], name: 'add2' },
    {
      op: 'Resize',
      inputs: ['s2', '', 'scale2'],
      outputs: ['up2'],
      name: 'up_nearest',
      attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
    },
    { op: 'Pad', inputs: ['up2', 'sppad', 'zero'], outputs: ['pp2'], name: 'spatial_pad' },
    { op: 'Conv', inputs: ['pp2', 'w5', 'b5'], outputs: ['y'], name: 'conv5' },
    { op: 'Resize', inputs: ['s2', '', '', 'size11x13'], outputs: ['up3'], name: 'up_corners', attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' } },
    { op: 'Conv', inputs: ['up3', 'w6', 'b6'], outputs: ['y2'], name: 'conv6' },
  ];
  const init: Record<string, Tensor> = {
    chpad: i64(0, 0, 0, 0, 0, 4, 0, 0),
    sppad: i64(0, 0, 1, 1, 0, 0, 1, 1),
    zero: f([], 0),
    size8: i64(1, 6, 8, 8),
    scale2: f([4], 1, 1, 2, 2),
    size11x13: i64(1, 6, 11, 13),
  };
  const conv = (i: number, cout: number, cin: number, k: number) => {
    init[`w${i}`] = randomTensor([cout, cin, k, k], r, 0.6);
    init[`b${i}`] = randomTensor([cout], r, 0.3);
  };
  conv(1, 8, 3, 3);
  conv(2, 12, 8, 3);
  conv(3, 6, 12, 3);
  conv(4, 6, 12, 1);
  conv(5, 3, 6, 3);
  conv(6, 4, 6, 1);
  return buildModel({ nodes, inputs: [{ name: 'x', dims: [1, 3, 16, 16] }], outputs: [{ name: 'y' }, { name: 'y2' }], initializers: init, opset: 17 });
}
