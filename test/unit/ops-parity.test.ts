/**
 * Parity of the FP32 op kernels with onnxruntime: every case builds a single-node ONNX model,
 * runs it in onnxruntime-node and through our kernel (found via the registry) on the same
 * seeded random inputs, and compares outputs (max abs diff <= 1e-4 * (1 + max|ref|)) and the
 * shapes inferShape predicts.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { AttrValue, Node } from '../../src-main/core/graph/ir.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { AttributeType, onnx, type IAttributeProto, type INodeProto, type ITensorProto, type IValueInfoProto } from '../../src-main/core/onnx/proto.js';
import { encodeTensor } from '../../src-main/core/onnx/tensor-codec.js';
import { findOp } from '../../src-main/core/ops/registry.js';
import { mulberry32 } from '../../src-main/core/synth/rng.js';

// ---------------------------------------------------------------- harness

const rand = mulberry32(1234); // seeded so every run sees the same inputs

function rf(dims: number[], lo = -1, hi = 1): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = lo + (hi - lo) * rand();
  return { dtype: 'float32', dims, data: d };
}
function fl(dims: number[], values: number[]): Tensor {
  return { dtype: 'float32', dims, data: Float32Array.from(values) };
}
function i64(dims: number[], values: number[]): Tensor {
  return { dtype: 'int64', dims, data: Float64Array.from(values) };
}
function i32(dims: number[], values: number[]): Tensor {
  return { dtype: 'int32', dims, data: Int32Array.from(values) };
}

/** attribute spec: number → INT, {f} → FLOAT, number[] → INTS, {fs} → FLOATS, string → STRING, {t} → TENSOR */
type AttrSpec = number | string | number[] | { f: number } | { fs: number[] } | { t: Tensor };

interface In {
  t: Tensor;
  /** constant (ONNX initializer; also passed to inferShape as a const) */
  init?: boolean;
}

interface Case {
  op: string;
  opset: number;
  attrs?: Record<string, AttrSpec>;
  /** null = omitted optional input ('') */
  inputs: (In | Tensor | null)[];
  /** ONNX elem types of the outputs (default: one float output) */
  outTypes?: number[];
  /** fused activation for our node; the ORT model gets the activation as a second node */
  act?: Node['act'];
}

const ELEM: Record<string, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9 };

function attrProto(name: string, v: AttrSpec): IAttributeProto {
  if (typeof v === 'number') return { name, type: AttributeType.INT, i: v };
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if ('f' in v) return { name, type: AttributeType.FLOAT, f: v.f };
  if ('t' in v) return { name, type: AttributeType.TENSOR, t: encodeTensor('', v.t) };
  return { name, type: AttributeType.FLOATS, floats: v.fs };
}
function attrValue(v: AttrSpec): AttrValue {
  if (typeof v === 'number' || typeof v === 'string' || Array.isArray(v)) return v;
  if ('f' in v) return Math.fround(v.f);
  if ('t' in v) return v.t;
  return v.fs.map(Math.fround);
}

function ortTensor(t: Tensor): ort.Tensor {
  switch (t.dtype) {
    case 'float32':
      return new ort.Tensor('float32', t.data as Float32Array, t.dims);
    case 'int64':
      return new ort.Tensor(
        'int64',
        BigInt64Array.from(t.data as Float64Array, (v) => BigInt(v)),
        t.dims,
      );
    case 'int32':
      return new ort.Tensor('int32', t.data as Int32Array, t.dims);
    case 'bool':
      return new ort.Tensor('bool', t.data as Uint8Array, t.dims);
    default:
      throw new Error(`no ort tensor for ${t.dtype}`);
  }
}

function numbers(d: ArrayLike<number | bigint>): number[] {
  return Array.from(d as ArrayLike<number>, (v) => Number(v));
}

function irVersion(opset: number): number {
  return opset >= 21 ? 10 : opset >= 19 ? 9 : opset >= 15 ? 8 : 7;
}

async function runOrt(c: Case, ins: (In | null)[], names: string[], outNames: string[]): Promise<ort.Tensor[]> {
  const attrs = Object.entries(c.attrs ?? {}).map(([k, v]) => attrProto(k, v));
  const nodes: INodeProto[] = [];
  const mainOut = c.act ? [...outNames] : outNames;
  if (c.act) mainOut[0] = 'pre_act';
  nodes.push({ opType: c.op, name: 'n0', input: names, output: mainOut, attribute: attrs });
  const initializer: ITensorProto[] = [];
  if (c.act) {
    if (c.act.kind === 'relu') nodes.push({ opType: 'Relu', name: 'act', input: ['pre_act'], output: [outNames[0]!] });
    else {
      initializer.push(encodeTensor('act_min', fl([], [c.act.min])), encodeTensor('act_max', fl([], [c.act.max])));
      nodes.push({ opType: 'Clip', name: 'act', input: ['pre_act', 'act_min', 'act_max'], output: [outNames[0]!] });
    }
  }
  const graphInputs: IValueInfoProto[] = [];
  const feeds: Record<string, ort.Tensor> = {};
  ins.forEach((inp, i) => {
    if (!inp) return;
    if (inp.init) initializer.push(encodeTensor(names[i]!, inp.t));
    else {
      graphInputs.push({
        name: names[i]!,
        type: { tensorType: { elemType: ELEM[inp.t.dtype]!, shape: { dim: inp.t.dims.map((d) => ({ dimValue: d })) } } },
      });
      feeds[names[i]!] = ortTensor(inp.t);
    }
  });
  const outTypes = c.outTypes ?? [1];
  const model = onnx.ModelProto.create({
    irVersion: irVersion(c.opset),
    opsetImport: [{ domain: '', version: c.opset }],
    producerName: 'ops-parity-test',
    graph: {
      name: 'g',
      node: nodes,
      initializer,
      input: graphInputs,
      output: outNames.map((n, i) => ({ name: n, type: { tensorType: { elemType: outTypes[i] ?? 1 } } })),
    },
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  const session = await ort.InferenceSession.create(Buffer.from(bytes), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
  try {
    const res = await session.run(feeds);
    return outNames.map((n) => res[n]!);
  } finally {
    await session.release();
  }
}

function compare(what: string, ours: Tensor, ref: ort.Tensor): void {
  expect(ours.dims, `${what}: dims`).toEqual([...ref.dims].map(Number));
  const a = numbers(ours.data);
  const b = numbers(ref.data as ArrayLike<number | bigint>);
  expect(a.length, `${what}: length`).toBe(b.length);
  let maxRef = 0;
  let maxDiff = 0;
  let at = -1;
  for (let i = 0; i < b.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(y) || Number.isNaN(x)) {
      expect(Number.isNaN(x), `${what}: NaN mismatch at ${i} (ours ${x}, ref ${y})`).toBe(Number.isNaN(y));
      continue;
    }
    if (x === y) {
      maxRef = Math.max(maxRef, Math.abs(y));
      continue;
    }
    maxRef = Math.max(maxRef, Math.abs(y));
    const d = Math.abs(x - y);
    if (d > maxDiff) {
      maxDiff = d;
      at = i;
    }
  }
  const tol = 1e-4 * (1 + maxRef);
  if (maxDiff > tol) {
    throw new Error(`${what}: max abs diff ${maxDiff} at ${at} (ours ${a[at]}, ref ${b[at]}) exceeds ${tol}`);
  }
}

let caseNo = 0;

/** Runs one case through onnxruntime and our kernel and compares everything. */
async function check(c: Case): Promise<Tensor[]> {
  const ins = c.inputs.map((x) => (x === null ? null : 'dtype' in x ? { t: x } : x));
  const names = ins.map((x, i) => (x ? `in${i}` : ''));
  const nOut = (c.outTypes ?? [1]).length;
  const outNames = Array.from({ length: nOut }, (_, i) => `out${i}`);
  const ref = await runOrt(c, ins, names, outNames);
  const def = findOp(c.op, '', c.opset);
  if (!def) throw new Error(`no kernel for ${c.op} at opset ${c.opset}`);
  const node: Node = {
    name: `case${caseNo++}`,
    op: c.op,
    domain: '',
    inputs: names,
    outputs: outNames,
    attrs: Object.fromEntries(Object.entries(c.attrs ?? {}).map(([k, v]) => [k, attrValue(v)])),
  };
  if (c.act) node.act = c.act;
  const ctx = { opset: c.opset };
  const before = ins.map((x) => (x ? numbers(x.t.data) : null));
  const out = def.run(
    node,
    ins.map((x) => x?.t),
    ctx,
  );
  ins.forEach((x, i) => {
    if (x) expect(numbers(x.t.data), `input ${i} was modified`).toEqual(before[i]);
  });
  expect(out.length, 'output count').toBeGreaterThanOrEqual(nOut);
  for (let i = 0; i < nOut; i++) compare(`${c.op}@${c.opset} output ${i}`, out[i]!, ref[i]!);
  const shapes = def.inferShape(
    node,
    ins.map((x) => (x ? [...x.t.dims] : undefined)),
    ins.map((x) => (x?.init ? x.t : undefined)),
    ctx,
  );
  for (let i = 0; i < nOut; i++) expect(shapes[i], `${c.op}@${c.opset} inferShape output ${i}`).toEqual(out[i]!.dims);
  return out;
}

const init = (t: Tensor): In => ({ t, init: true });
/** INT64_MAX as a double (2^63); the codec writes it as 9223372036854775807 */
const INT64_MAX = 2 ** 63 - 1;

// ---------------------------------------------------------------- Conv

describe('Conv', () => {
  const conv = (x: number[], w: number[], attrs: Record<string, AttrSpec>, bias = true, opset = 13) =>
    check({ op: 'Conv', opset, attrs, inputs: [rf(x), init(rf(w)), ...(bias ? [init(rf([w[0]!]))] : [])] });

  it('3x3 pad 1 with bias (opset 11 and 13)', async () => {
    await conv([1, 3, 9, 9], [8, 3, 3, 3], { pads: [1, 1, 1, 1] }, true, 11);
    await conv([1, 3, 9, 9], [8, 3, 3, 3], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }, true, 13);
  });
  it('no bias, stride 2, asymmetric pads, odd sizes', async () => {
    await conv([2, 5, 11, 13], [7, 5, 3, 3], { strides: [2, 2], pads: [0, 1, 2, 0] }, false);
    await conv([1, 4, 10, 9], [5, 4, 2, 3], { strides: [3, 2], pads: [1, 0, 0, 2] });
  });
  it('dilations', async () => {
    await conv([1, 4, 12, 12], [6, 4, 3, 3], { dilations: [2, 2], pads: [2, 2, 2, 2] });
    await conv([1, 3, 12, 10], [4, 3, 3, 2], { dilations: [2, 3], strides: [2, 1] });
  });
  it('groups', async () => {
    await conv([1, 8, 9, 9], [6, 4, 3, 3], { group: 2, pads: [1, 1, 1, 1] });
    await conv([2, 12, 7, 7], [12, 3, 1, 1], { group: 4 });
  });
  it('depthwise, with and without channel multiplier', async () => {
    await conv([1, 8, 10, 10], [8, 1, 3, 3], { group: 8, pads: [1, 1, 1, 1] });
    await conv([2, 6, 11, 9], [6, 1, 3, 3], { group: 6, strides: [2, 2], pads: [1, 0, 1, 1] }, false);
    await conv([1, 4, 9, 9], [8, 1, 5, 5], { group: 4, pads: [2, 2, 2, 2], dilations: [1, 2] });
    await conv([1, 3, 6, 6], [6, 1, 3, 3], { group: 3, pads: [3, 3, 3, 3] }); // pads larger than the kernel
  });
  it('auto_pad SAME_UPPER, SAME_LOWER, VALID', async () => {
    await conv([1, 3, 10, 11], [4, 3, 3, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] });
    await conv([1, 3, 10, 11], [4, 3, 4, 4], { auto_pad: 'SAME_LOWER', strides: [1, 1] });
    await conv([1, 3, 10, 11], [4, 3, 4, 4], { auto_pad: 'SAME_UPPER' });
    await conv([1, 3, 10, 11], [4, 3, 3, 3], { auto_pad: 'VALID', strides: [2, 2] });
    await conv([1, 4, 9, 9], [4, 1, 3, 3], { auto_pad: 'SAME_LOWER', group: 4, strides: [2, 2] });
  });
  it('1x1 fast path and a K large enough for several GEMM blocks', async () => {
    await conv([1, 16, 13, 13], [10, 16, 1, 1], {});
    await conv([2, 7, 5, 3], [9, 7, 1, 1], {}, false);
    await conv([1, 64, 15, 15], [21, 64, 3, 3], { pads: [1, 1, 1, 1] });
    await conv([1, 8, 8, 8], [4, 8, 1, 1], { strides: [2, 2] }); // strided 1x1 goes through im2col
  });
  it('1-D conv', async () => {
    await conv([2, 3, 17], [5, 3, 3], { pads: [1, 2], strides: [2] });
    await conv([1, 4, 12], [4, 1, 3], { group: 4, dilations: [2], pads: [2, 1] });
    await conv([1, 4, 12], [4, 4, 4], { auto_pad: 'SAME_UPPER' });
  });
  it('applies a fused Relu / Clip from node.act', async () => {
    await check({
      op: 'Conv',
      opset: 13,
      attrs: { pads: [1, 1, 1, 1] },
      inputs: [rf([1, 3, 6, 6]), init(rf([5, 3, 3, 3])), init(rf([5]))],
      act: { kind: 'relu', min: 0, max: Infinity, node: 'r' },
    });
    await check({ op: 'Conv', opset: 13, attrs: { group: 3 }, inputs: [rf([1, 3, 6, 6], -4, 4), init(rf([3, 1, 3, 3], -3, 3))], act: { kind: 'clip', min: 0, max: 1, node: 'c' } });
  });
  it('rejects mismatched channels with the node name', () => {
    const def = findOp('Conv', '', 13)!;
    const node: Node = { name: 'bad_conv', op: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['y'], attrs: {} };
    expect(() => def.run(node, [rf([1, 3, 5, 5]), rf([4, 2, 3, 3])], { opset: 13 })).toThrow(/node 'bad_conv' \(Conv\).*input channels/);
    expect(() =>
      def.inferShape(
        node,
        [
          [1, 3, 5],
          [4, 3, 3, 3],
        ],
        [],
        { opset: 13 },
      ),
    ).toThrow(/bad_conv/);
  });
});

describe('ConvTranspose', () => {
  const ct = (x: number[], w: number[], attrs: Record<string, AttrSpec>, bias = true, opset = 13) =>
    check({ op: 'ConvTranspose', opset, attrs, inputs: [rf(x), init(rf(w)), ...(bias ? [init(rf([w[1]! * ((attrs['group'] as number) ?? 1)]))] : [])] });
  it('strides, pads, output_padding', async () => {
    await ct([1, 4, 5, 5], [4, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] });
    await ct([2, 3, 4, 6], [3, 2, 4, 3], { strides: [2, 3], pads: [1, 0, 2, 1] }, false);
  });
  it('group and dilations', async () => {
    await ct([1, 4, 5, 5], [4, 2, 3, 3], { group: 2, dilations: [2, 2], strides: [2, 2] });
    await ct([1, 6, 4, 4], [6, 1, 3, 3], { group: 6, pads: [1, 1, 1, 1] });
  });
  it('output_shape and auto_pad', async () => {
    await ct([1, 2, 4, 4], [2, 3, 3, 3], { strides: [2, 2], output_shape: [8, 8] });
    await ct([1, 2, 4, 5], [2, 3, 3, 3], { strides: [2, 2], auto_pad: 'SAME_UPPER' });
  });
  it('1-D', async () => {
    await ct([1, 3, 7], [3, 2, 4], { strides: [2], pads: [1, 1] });
  });
});

// ---------------------------------------------------------------- Gemm / MatMul

describe('Gemm', () => {
  it('transA/transB, alpha/beta, C broadcasting', async () => {
    const M = 7,
      K = 9,
      N = 6;
    for (const [tA, tB] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ] as const) {
      const A = rf(tA ? [K, M] : [M, K]);
      const B = rf(tB ? [N, K] : [K, N]);
      await check({ op: 'Gemm', opset: 13, attrs: { transA: tA, transB: tB, alpha: { f: 0.5 }, beta: { f: 2 } }, inputs: [A, init(B), init(rf([N]))] });
    }
    for (const cDims of [[M, N], [M, 1], [1, N], [1], []]) {
      await check({ op: 'Gemm', opset: 11, attrs: { beta: { f: 0.75 } }, inputs: [rf([M, K]), init(rf([K, N])), init(rf(cDims))] });
    }
  });
  it('no C (opset 11+), small M paths, opset 7/9', async () => {
    await check({ op: 'Gemm', opset: 13, attrs: { transB: 1 }, inputs: [rf([1, 20]), init(rf([10, 20]))] });
    await check({ op: 'Gemm', opset: 13, inputs: [rf([2, 20]), init(rf([20, 10])), null] });
    await check({ op: 'Gemm', opset: 9, attrs: { transB: 1 }, inputs: [rf([3, 33]), init(rf([17, 33])), init(rf([17]))] });
    await check({ op: 'Gemm', opset: 7, attrs: { transA: 1 }, inputs: [rf([33, 1]), rf([33, 17]), rf([1, 17])] });
    await check({ op: 'Gemm', opset: 13, inputs: [rf([64, 100]), init(rf([100, 70])), init(rf([64, 70]))], act: { kind: 'relu', min: 0, max: Infinity, node: 'r' } });
  });
});

describe('MatMul', () => {
  it('2-D, N-D with batch broadcasting, 1-D operands', async () => {
    await check({ op: 'MatMul', opset: 13, inputs: [rf([9, 13]), rf([13, 7])] });
    await check({ op: 'MatMul', opset: 13, inputs: [rf([2, 5, 8]), init(rf([8, 6]))] });
    await check({ op: 'MatMul', opset: 13, inputs: [rf([2, 1, 5, 8]), rf([3, 8, 6])] });
    await check({ op: 'MatMul', opset: 13, inputs: [rf([5, 8]), rf([2, 8, 6])] });
    await check({ op: 'MatMul', opset: 9, inputs: [rf([8]), rf([8, 6])] });
    await check({ op: 'MatMul', opset: 9, inputs: [rf([3, 5, 8]), rf([8])] });
    await check({ op: 'MatMul', opset: 1, inputs: [rf([1, 300]), init(rf([300, 40]))] });
    await check({ op: 'MatMul', opset: 13, inputs: [rf([2, 6, 30]), init(rf([30, 9]))], act: { kind: 'clip', min: -0.5, max: 0.5, node: 'c' } });
    await check({ op: 'MatMul', opset: 13, inputs: [rf([1, 30]), init(rf([30, 9]))], act: { kind: 'relu', min: 0, max: Infinity, node: 'r' } });
  });
});

// ---------------------------------------------------------------- element-wise

describe('unary activations', () => {
  const x = () => rf([2, 3, 4, 5], -4, 4);
  it('Relu, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh, Exp, Sqrt, Neg', async () => {
    await check({ op: 'Relu', opset: 14, inputs: [x()] });
    await check({ op: 'Relu', opset: 6, inputs: [x()] });
    await check({ op: 'LeakyRelu', opset: 16, inputs: [x()] });
    await check({ op: 'LeakyRelu', opset: 6, attrs: { alpha: { f: 0.2 } }, inputs: [x()] });
    await check({ op: 'Sigmoid', opset: 13, inputs: [rf([50], -30, 30)] });
    await check({ op: 'HardSigmoid', opset: 6, inputs: [x()] });
    await check({ op: 'HardSigmoid', opset: 22, attrs: { alpha: { f: 0.3 }, beta: { f: 0.4 } }, inputs: [x()] });
    await check({ op: 'HardSwish', opset: 14, inputs: [x()] });
    await check({ op: 'Tanh', opset: 13, inputs: [x()] });
    await check({ op: 'Exp', opset: 13, inputs: [x()] });
    await check({ op: 'Sqrt', opset: 13, inputs: [rf([3, 7], 0, 9)] });
    await check({ op: 'Neg', opset: 13, inputs: [x()] });
    await check({ op: 'Neg', opset: 13, inputs: [i64([4], [1, -2, 3, 0])], outTypes: [7] });
  });
  it('PRelu with per-channel and scalar slopes', async () => {
    await check({ op: 'PRelu', opset: 16, inputs: [x(), init(rf([3, 1, 1]))] });
    await check({ op: 'PRelu', opset: 9, inputs: [x(), init(rf([1]))] });
    await check({ op: 'PRelu', opset: 7, inputs: [x(), init(rf([5]))] });
  });
  it('Clip at opset 6 (attributes) and 11/13 (optional inputs)', async () => {
    await check({ op: 'Clip', opset: 6, attrs: { min: { f: -1 }, max: { f: 2.5 } }, inputs: [x()] });
    await check({ op: 'Clip', opset: 6, attrs: { max: { f: 0.5 } }, inputs: [x()] });
    await check({ op: 'Clip', opset: 13, inputs: [x(), init(fl([], [0])), init(fl([], [6]))] });
    await check({ op: 'Clip', opset: 13, inputs: [x(), init(fl([], [-0.5]))] });
    await check({ op: 'Clip', opset: 13, inputs: [x(), null, init(fl([], [1]))] });
    await check({ op: 'Clip', opset: 11, inputs: [x()] });
    await check({ op: 'Clip', opset: 12, inputs: [x(), fl([], [1]), fl([], [-1])] }); // min > max: all max
  });
});

describe('broadcasting binary ops', () => {
  const shapes: [number[], number[]][] = [
    [
      [2, 3, 4, 5],
      [2, 3, 4, 5],
    ],
    [[2, 3, 4, 5], [5]],
    [
      [2, 3, 4, 5],
      [3, 1, 1],
    ],
    [
      [1, 3, 1, 5],
      [2, 1, 4, 1],
    ],
    [[4, 1], [3]],
    [[], [2, 3]],
    [[2, 3, 4], [1]],
  ];
  for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
    it(`${op} float32`, async () => {
      for (const [a, b] of shapes) {
        await check({ op, opset: 14, inputs: [rf(a), op === 'Div' ? rf(b, 0.5, 2) : rf(b)] });
      }
      await check({ op, opset: 7, inputs: [rf([3, 4]), init(rf([4]))] });
    });
  }
  it('Pow', async () => {
    await check({ op: 'Pow', opset: 15, inputs: [rf([2, 3, 4], 0.1, 3), rf([4], -2, 2)] });
    await check({ op: 'Pow', opset: 13, inputs: [rf([2, 3], -3, 3), init(fl([], [2]))] });
    await check({ op: 'Pow', opset: 12, inputs: [rf([2, 3], 0.1, 3), init(i64([], [3]))] });
  });
  it('int64 shape arithmetic (Add, Sub, Mul, Div truncating toward zero)', async () => {
    const a = i64([6], [7, -7, 9, 0, 100, -3]);
    const b = i64([6], [2, 2, -4, 5, 7, 3]);
    for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
      await check({ op, opset: 14, inputs: [a, b], outTypes: [7] });
      await check({ op, opset: 13, inputs: [i64([2, 3], [1, 2, 3, 4, 5, 6]), init(i64([], [2]))], outTypes: [7] });
    }
    await check({ op: 'Mul', opset: 13, inputs: [i32([3], [1, -2, 3]), i32([1], [5])], outTypes: [6] });
  });
  it('rejects shapes that do not broadcast', () => {
    const def = findOp('Add', '', 13)!;
    const node: Node = { name: 'bad_add', op: 'Add', domain: '', inputs: ['a', 'b'], outputs: ['c'], attrs: {} };
    expect(() => def.run(node, [rf([2, 3]), rf([4])], { opset: 13 })).toThrow(/bad_add.*cannot be broadcast/);
  });
});

// ---------------------------------------------------------------- pooling

describe('MaxPool', () => {
  const mp = (x: number[], attrs: Record<string, AttrSpec>, opset = 12, outTypes?: number[]) => check({ op: 'MaxPool', opset, attrs, inputs: [rf(x)], outTypes });
  it('SqueezeNet-style 3x3 s2, ceil_mode on and off', async () => {
    await mp([1, 4, 13, 13], { kernel_shape: [3, 3], strides: [2, 2] });
    await mp([1, 4, 14, 14], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 });
    await mp([1, 4, 14, 14], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 0 }, 10);
    await mp([2, 3, 10, 11], { kernel_shape: [2, 3], strides: [3, 2], pads: [1, 1, 1, 0], ceil_mode: 1 });
  });
  it('pads, dilations, auto_pad, opset 8 and 22', async () => {
    await mp([1, 3, 9, 9], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, 8);
    await mp([1, 3, 12, 12], { kernel_shape: [3, 3], dilations: [2, 2], strides: [1, 2], pads: [2, 1, 0, 1] });
    await mp([1, 3, 10, 11], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' });
    await mp([1, 3, 10, 11], { kernel_shape: [4, 4], strides: [2, 2], auto_pad: 'SAME_LOWER' });
    await mp([1, 3, 10, 11], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'VALID' }, 22);
  });
  it('1-D and the Indices output', async () => {
    await mp([2, 3, 15], { kernel_shape: [3], strides: [2], pads: [1, 1] });
    await mp([2, 3, 6, 7], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, 12, [1, 7]);
    await mp([1, 2, 6, 7], { kernel_shape: [2, 2], storage_order: 1 }, 12, [1, 7]);
  });
});

describe('AveragePool', () => {
  const ap = (x: number[], attrs: Record<string, AttrSpec>, opset = 11) => check({ op: 'AveragePool', opset, attrs, inputs: [rf(x)] });
  it('count_include_pad 0 and 1 with pads', async () => {
    await ap([1, 3, 9, 9], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    await ap([1, 3, 9, 9], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 });
    await ap([1, 3, 9, 10], { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 2, 1], count_include_pad: 1 }, 7);
  });
  it('ceil_mode with and without count_include_pad', async () => {
    await ap([1, 3, 10, 10], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 });
    await ap([1, 3, 10, 10], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1, count_include_pad: 1 });
    await ap([1, 3, 11, 10], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 });
    await ap([1, 3, 11, 10], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }, 10);
  });
  it('auto_pad, 1-D, dilations (opset 19)', async () => {
    await ap([1, 2, 10, 11], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' });
    await ap([1, 2, 10, 11], { kernel_shape: [2, 2], auto_pad: 'SAME_LOWER', count_include_pad: 1 });
    await ap([2, 3, 13], { kernel_shape: [4], strides: [3], pads: [2, 1] });
    await ap([1, 2, 12, 12], { kernel_shape: [3, 3], dilations: [2, 2], pads: [1, 1, 1, 1] }, 19);
  });
});

describe('global pooling', () => {
  it('GlobalAveragePool and GlobalMaxPool', async () => {
    await check({ op: 'GlobalAveragePool', opset: 1, inputs: [rf([2, 5, 7, 6])] });
    await check({ op: 'GlobalMaxPool', opset: 1, inputs: [rf([2, 5, 7, 6])] });
    await check({ op: 'GlobalAveragePool', opset: 22, inputs: [rf([1, 3, 9])] });
  });
});

// ---------------------------------------------------------------- tensor ops

describe('Concat, Softmax', () => {
  it('Concat on several axes and dtypes', async () => {
    await check({ op: 'Concat', opset: 13, attrs: { axis: 1 }, inputs: [rf([2, 3, 4]), rf([2, 1, 4]), rf([2, 5, 4])] });
    await check({ op: 'Concat', opset: 11, attrs: { axis: -1 }, inputs: [rf([2, 3, 4]), rf([2, 3, 2])] });
    await check({ op: 'Concat', opset: 4, attrs: { axis: 0 }, inputs: [rf([1, 3]), rf([2, 3])] });
    await check({ op: 'Concat', opset: 13, attrs: { axis: 0 }, inputs: [i64([2], [1, 2]), init(i64([1], [-1]))], outTypes: [7] });
  });
  it('Softmax at opset 11 (coerced 2-D) and 13 (single axis)', async () => {
    const x = () => rf([2, 3, 4, 5], -5, 5);
    await check({ op: 'Softmax', opset: 11, inputs: [x()] });
    await check({ op: 'Softmax', opset: 11, attrs: { axis: 2 }, inputs: [x()] });
    await check({ op: 'Softmax', opset: 11, attrs: { axis: -1 }, inputs: [x()] });
    await check({ op: 'Softmax', opset: 1, inputs: [rf([3, 10])] });
    await check({ op: 'Softmax', opset: 13, inputs: [x()] });
    await check({ op: 'Softmax', opset: 13, attrs: { axis: 1 }, inputs: [x()] });
    await check({ op: 'Softmax', opset: 13, attrs: { axis: 0 }, inputs: [x()] });
  });
});

describe('shape ops', () => {
  it('Reshape with 0, -1 and allowzero', async () => {
    await check({ op: 'Reshape', opset: 13, inputs: [rf([2, 3, 4]), init(i64([3], [0, -1, 2]))] });
    await check({ op: 'Reshape', opset: 5, inputs: [rf([2, 3, 4]), init(i64([2], [-1, 6]))] });
    await check({ op: 'Reshape', opset: 14, inputs: [rf([2, 3, 4]), init(i64([4], [2, 0, 2, 2]))] });
    await check({ op: 'Reshape', opset: 14, attrs: { allowzero: 1 }, inputs: [rf([0, 3]), init(i64([2], [3, 0]))] });
    await check({ op: 'Reshape', opset: 13, inputs: [i64([4], [1, 2, 3, 4]), init(i64([2], [2, -1]))], outTypes: [7] });
  });
  it('Flatten and Transpose', async () => {
    await check({ op: 'Flatten', opset: 13, inputs: [rf([2, 3, 4, 5])] });
    await check({ op: 'Flatten', opset: 9, attrs: { axis: 0 }, inputs: [rf([2, 3, 4])] });
    await check({ op: 'Flatten', opset: 11, attrs: { axis: -1 }, inputs: [rf([2, 3, 4])] });
    await check({ op: 'Flatten', opset: 13, attrs: { axis: 3 }, inputs: [rf([2, 3, 4])] });
    await check({ op: 'Transpose', opset: 13, inputs: [rf([2, 3, 4])] });
    await check({ op: 'Transpose', opset: 13, attrs: { perm: [0, 2, 3, 1] }, inputs: [rf([2, 3, 4, 5])] });
    await check({ op: 'Transpose', opset: 1, attrs: { perm: [1, 0] }, inputs: [i64([2, 3], [1, 2, 3, 4, 5, 6])], outTypes: [7] });
  });
  it('Slice at opset 9 (attributes)', async () => {
    await check({ op: 'Slice', opset: 9, attrs: { starts: [1, 0], ends: [3, -1] }, inputs: [rf([4, 5])] });
    await check({ op: 'Slice', opset: 9, attrs: { starts: [-3], ends: [1000], axes: [2] }, inputs: [rf([2, 3, 6])] });
    await check({ op: 'Slice', opset: 1, attrs: { starts: [0, 1], ends: [1, 2], axes: [0, 1] }, inputs: [rf([2, 3])] });
  });
  it('Slice at opset 10/13 with steps, negative steps, INT64 sentinels', async () => {
    const x = () => rf([4, 6, 5]);
    await check({ op: 'Slice', opset: 13, inputs: [x(), init(i64([2], [1, 0])), init(i64([2], [3, INT64_MAX])), init(i64([2], [0, 2])), init(i64([2], [1, 2]))] });
    await check({ op: 'Slice', opset: 13, inputs: [x(), init(i64([1], [-1])), init(i64([1], [-INT64_MAX])), init(i64([1], [1])), init(i64([1], [-1]))] });
    await check({ op: 'Slice', opset: 13, inputs: [x(), init(i64([2], [4, 10])), init(i64([2], [0, -100])), init(i64([2], [-1, 0])), init(i64([2], [-2, -3]))] });
    await check({ op: 'Slice', opset: 10, inputs: [x(), init(i64([1], [1])), init(i64([1], [-1]))] });
    await check({ op: 'Slice', opset: 11, inputs: [x(), init(i64([1], [2])), init(i64([1], [2])), init(i64([1], [1]))] }); // empty
    await check({ op: 'Slice', opset: 13, inputs: [i64([5], [0, 1, 2, 3, 4]), init(i64([1], [-2])), init(i64([1], [INT64_MAX]))], outTypes: [7] });
    await check({ op: 'Slice', opset: 13, inputs: [x(), init(i32([1], [1])), init(i32([1], [3])), init(i32([1], [-1]))] });
  });
  it('Squeeze and Unsqueeze at opset 11 and 13', async () => {
    await check({ op: 'Squeeze', opset: 11, attrs: { axes: [0, -1] }, inputs: [rf([1, 3, 1, 4, 1])] });
    await check({ op: 'Squeeze', opset: 11, inputs: [rf([1, 3, 1, 4, 1])] });
    await check({ op: 'Squeeze', opset: 13, inputs: [rf([1, 3, 1, 4]), init(i64([1], [2]))] });
    await check({ op: 'Squeeze', opset: 13, inputs: [rf([1, 3, 1, 4])] });
    await check({ op: 'Squeeze', opset: 13, inputs: [rf([1, 3, 1, 4]), init(i64([0], []))] });
    await check({ op: 'Unsqueeze', opset: 11, attrs: { axes: [0, -1] }, inputs: [rf([3, 4])] });
    await check({ op: 'Unsqueeze', opset: 13, inputs: [rf([3, 4]), init(i64([2], [1, 3]))] });
    await check({ op: 'Unsqueeze', opset: 13, inputs: [i64([], [5]), init(i64([1], [0]))], outTypes: [7] });
  });
  it('Shape (with start/end from opset 15) and Gather', async () => {
    await check({ op: 'Shape', opset: 13, inputs: [rf([2, 3, 4])], outTypes: [7] });
    await check({ op: 'Shape', opset: 15, attrs: { start: 1 }, inputs: [rf([2, 3, 4])], outTypes: [7] });
    await check({ op: 'Shape', opset: 15, attrs: { start: -2, end: -1 }, inputs: [rf([2, 3, 4, 5])], outTypes: [7] });
    await check({ op: 'Gather', opset: 13, inputs: [rf([5, 4]), init(i64([3], [0, 4, -1]))] });
    await check({ op: 'Gather', opset: 13, attrs: { axis: 1 }, inputs: [rf([2, 5, 3]), i64([2, 2], [1, 0, 4, 2])] });
    await check({ op: 'Gather', opset: 11, inputs: [i64([4], [2, 3, 5, 7]), init(i64([], [2]))], outTypes: [7] });
    await check({ op: 'Gather', opset: 1, attrs: { axis: 2 }, inputs: [rf([2, 3, 4]), init(i32([2], [3, 0]))] });
  });
  it('Cast between float32, int64 and int32', async () => {
    await check({ op: 'Cast', opset: 13, attrs: { to: 7 }, inputs: [fl([6], [1.7, -1.7, 0.2, -0.2, 5, 1e6])], outTypes: [7] });
    await check({ op: 'Cast', opset: 13, attrs: { to: 1 }, inputs: [i64([3], [3, -4, 123456])] });
    await check({ op: 'Cast', opset: 9, attrs: { to: 6 }, inputs: [fl([3], [2.9, -2.9, 7])], outTypes: [6] });
    await check({ op: 'Cast', opset: 19, attrs: { to: 7 }, inputs: [i32([2], [4, -5])], outTypes: [7] });
  });
  it('Identity and Dropout', async () => {
    await check({ op: 'Identity', opset: 13, inputs: [rf([2, 3])] });
    await check({ op: 'Identity', opset: 13, inputs: [i64([2], [4, 5])], outTypes: [7] });
    await check({ op: 'Dropout', opset: 12, inputs: [rf([2, 3])] });
    await check({ op: 'Dropout', opset: 13, inputs: [rf([2, 3])], outTypes: [1, 9] });
    await check({ op: 'Dropout', opset: 7, attrs: { ratio: { f: 0.3 } }, inputs: [rf([4])] });
  });
});

describe('BatchNormalization', () => {
  it('inference at opset 9, 14 and 15', async () => {
    const bn = (opset: number, attrs: Record<string, AttrSpec> = {}) =>
      check({ op: 'BatchNormalization', opset, attrs, inputs: [rf([2, 4, 5, 3]), init(rf([4])), init(rf([4])), init(rf([4])), init(rf([4], 0.1, 2))] });
    await bn(7, { spatial: 1 });
    await bn(9);
    await bn(14, { epsilon: { f: 1e-3 } });
    await bn(15);
    await check({ op: 'BatchNormalization', opset: 15, inputs: [rf([3, 4]), init(rf([4])), init(rf([4])), init(rf([4])), init(rf([4], 0.1, 2))] });
  });
});

describe('Pad', () => {
  it('constant, reflect and edge modes; attribute pads before opset 11', async () => {
    const x = () => rf([1, 2, 4, 5]);
    await check({ op: 'Pad', opset: 13, inputs: [x(), init(i64([8], [0, 0, 1, 2, 0, 0, 2, 1])), init(fl([], [0.5]))] });
    await check({ op: 'Pad', opset: 11, inputs: [x(), init(i64([8], [0, 1, 1, 0, 0, 0, 1, 3]))] });
    await check({ op: 'Pad', opset: 13, attrs: { mode: 'reflect' }, inputs: [x(), init(i64([8], [0, 0, 2, 3, 0, 0, 3, 2]))] });
    await check({ op: 'Pad', opset: 13, attrs: { mode: 'edge' }, inputs: [x(), init(i64([8], [0, 0, 2, 3, 0, 0, 3, 2]))] });
    await check({ op: 'Pad', opset: 13, inputs: [x(), init(i64([8], [0, 0, -1, 1, 0, 0, 1, -2]))] }); // negative pads crop
    await check({ op: 'Pad', opset: 2, attrs: { pads: [0, 0, 1, 1, 0, 0, 1, 1], value: { f: -2 } }, inputs: [x()] });
    await check({ op: 'Pad', opset: 18, inputs: [x(), init(i64([4], [1, 2, 3, 0])), null, init(i64([2], [2, -1]))] });
    await check({ op: 'Pad', opset: 19, attrs: { mode: 'wrap' }, inputs: [x(), init(i64([8], [0, 0, 2, 3, 0, 0, 3, 2]))] });
    await check({ op: 'Pad', opset: 13, inputs: [i64([3], [1, 2, 3]), init(i64([2], [1, 2])), init(i64([], [9]))], outTypes: [7] });
  });
});

describe('Resize and Upsample', () => {
  const x = () => rf([1, 2, 5, 6]);
  const empty = () => init(fl([0], []));
  const rs = (opset: number, attrs: Record<string, AttrSpec>, scales: number[] | null, sizes: number[] | null, input = x()) =>
    check({
      op: 'Resize',
      opset,
      attrs,
      inputs: [
        input,
        opset >= 13 ? null : empty(),
        scales ? init(fl([scales.length], scales)) : opset >= 13 ? null : empty(),
        ...(sizes ? [init(i64([sizes.length], sizes))] : []),
      ],
    });
  it('nearest: asymmetric/floor and half_pixel/round_prefer_floor, scales and sizes', async () => {
    await rs(13, { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, [1, 1, 2, 2], null);
    await rs(11, { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, [1, 1, 2, 3], null);
    await rs(13, { mode: 'nearest' }, [1, 1, 2, 2], null);
    await rs(13, { mode: 'nearest' }, [1, 1, 1.5, 0.5], null);
    await rs(11, { mode: 'nearest' }, null, [1, 2, 9, 4]);
    await rs(13, { mode: 'nearest', nearest_mode: 'round_prefer_ceil', coordinate_transformation_mode: 'align_corners' }, null, [1, 2, 8, 11]);
    await rs(11, { mode: 'nearest', nearest_mode: 'ceil', coordinate_transformation_mode: 'tf_half_pixel_for_nn' }, [1, 1, 2, 2], null);
  });
  it('linear: half_pixel, align_corners, asymmetric, pytorch_half_pixel; up and down', async () => {
    for (const coord of ['half_pixel', 'align_corners', 'asymmetric', 'pytorch_half_pixel']) {
      await rs(13, { mode: 'linear', coordinate_transformation_mode: coord }, [1, 1, 2, 2], null);
      await rs(11, { mode: 'linear', coordinate_transformation_mode: coord }, null, [1, 2, 3, 13]);
    }
    await rs(13, { mode: 'linear' }, [1, 1, 0.6, 0.5], null);
    await rs(13, { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, null, [1, 2, 1, 4]);
    await rs(19, { mode: 'linear', coordinate_transformation_mode: 'half_pixel_symmetric' }, [1, 1, 1.7, 2.5], null);
    await rs(18, { mode: 'linear', axes: [2, 3] }, [2, 1.5], null);
    await rs(18, { mode: 'linear', axes: [3], keep_aspect_ratio_policy: 'stretch' }, null, [9]);
    await rs(18, { mode: 'nearest', keep_aspect_ratio_policy: 'not_larger', axes: [2, 3] }, null, [10, 10]);
    await rs(13, { mode: 'linear' }, [1, 1, 2], null, rf([2, 3, 7]));
  });
  it('cubic and tf_crop_and_resize', async () => {
    await rs(13, { mode: 'cubic' }, [1, 1, 2, 2], null);
    await rs(13, { mode: 'cubic', exclude_outside: 1, cubic_coeff_a: { f: -0.5 } }, null, [1, 2, 7, 9]);
    await check({
      op: 'Resize',
      opset: 13,
      attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: { f: 7 } },
      inputs: [x(), init(fl([8], [0, 0, -0.2, 0.1, 1, 1, 0.8, 1.3])), null, init(i64([4], [1, 2, 6, 6]))],
    });
  });
  it('opset 10 Resize and Upsample (7, 9)', async () => {
    await check({ op: 'Resize', opset: 10, attrs: { mode: 'nearest' }, inputs: [x(), init(fl([4], [1, 1, 2, 3]))] });
    await check({ op: 'Resize', opset: 10, attrs: { mode: 'linear' }, inputs: [x(), init(fl([4], [1, 1, 2, 1.5]))] });
    await check({ op: 'Upsample', opset: 9, attrs: { mode: 'nearest' }, inputs: [x(), init(fl([4], [1, 1, 2, 2]))] });
    await check({ op: 'Upsample', opset: 9, attrs: { mode: 'linear' }, inputs: [x(), init(fl([4], [1, 1, 2, 3]))] });
    await check({ op: 'Upsample', opset: 7, attrs: { mode: 'nearest', scales: { fs: [1, 1, 3, 2] } }, inputs: [x()] });
    await check({ op: 'Upsample', opset: 8, attrs: { mode: 'linear', scales: { fs: [1, 1, 2, 2] } }, inputs: [x()] });
  });
});

describe('ReduceMean', () => {
  it('axes attribute (opset 13) and input (opset 18), keepdims', async () => {
    const x = () => rf([2, 3, 4, 5]);
    await check({ op: 'ReduceMean', opset: 13, attrs: { axes: [2, 3] }, inputs: [x()] });
    await check({ op: 'ReduceMean', opset: 11, attrs: { axes: [-1], keepdims: 0 }, inputs: [x()] });
    await check({ op: 'ReduceMean', opset: 13, inputs: [x()] });
    await check({ op: 'ReduceMean', opset: 1, attrs: { axes: [0, 2], keepdims: 0 }, inputs: [x()] });
    await check({ op: 'ReduceMean', opset: 18, inputs: [x(), init(i64([2], [1, -1]))] });
    await check({ op: 'ReduceMean', opset: 18, attrs: { keepdims: 0 }, inputs: [x(), init(i64([1], [0]))] });
    await check({ op: 'ReduceMean', opset: 18, attrs: { noop_with_empty_axes: 1 }, inputs: [x()] });
    await check({ op: 'ReduceMean', opset: 18, inputs: [x()] });
  });
});

// ---------------------------------------------------------------- shape computations and post-processing

describe('ConstantOfShape, Range, Expand', () => {
  it('ConstantOfShape: default float 0, float and int64 values, empty dims', async () => {
    await check({ op: 'ConstantOfShape', opset: 9, inputs: [init(i64([3], [2, 3, 4]))] });
    await check({ op: 'ConstantOfShape', opset: 20, attrs: { value: { t: fl([1], [2.5]) } }, inputs: [init(i64([2], [4, 1]))] });
    await check({ op: 'ConstantOfShape', opset: 13, attrs: { value: { t: i64([1], [7]) } }, inputs: [init(i64([1], [5]))], outTypes: [7] });
    await check({ op: 'ConstantOfShape', opset: 13, inputs: [init(i64([2], [0, 3]))] });
  });
  it('Range: int64 and float, negative delta, empty', async () => {
    const s = (v: number) => init(i64([], [v]));
    const f = (v: number) => init(fl([], [v]));
    await check({ op: 'Range', opset: 11, inputs: [s(0), s(10), s(3)], outTypes: [7] });
    await check({ op: 'Range', opset: 11, inputs: [s(5), s(-4), s(-2)], outTypes: [7] });
    await check({ op: 'Range', opset: 11, inputs: [s(5), s(1), s(1)], outTypes: [7] });
    await check({ op: 'Range', opset: 11, inputs: [f(0.5), f(2.3), f(0.25)] });
  });
  it('Expand: broadcast up and to a higher rank', async () => {
    await check({ op: 'Expand', opset: 8, inputs: [rf([3, 1]), init(i64([3], [2, 3, 4]))] });
    await check({ op: 'Expand', opset: 13, inputs: [rf([1, 4]), init(i64([2], [3, 1]))] });
  });
});

describe('Split', () => {
  it('attribute split (opset 2, 11) and equal parts', async () => {
    await check({ op: 'Split', opset: 11, attrs: { axis: 1, split: [1, 3, 2] }, inputs: [rf([2, 6, 3])], outTypes: [1, 1, 1] });
    await check({ op: 'Split', opset: 2, attrs: { axis: -1 }, inputs: [rf([2, 3, 4])], outTypes: [1, 1] });
  });
  it('split input (opset 13) and num_outputs with a short last part (opset 18)', async () => {
    await check({ op: 'Split', opset: 13, attrs: { axis: 0 }, inputs: [rf([5, 2]), init(i64([2], [2, 3]))], outTypes: [1, 1] });
    await check({ op: 'Split', opset: 13, inputs: [rf([4, 2])], outTypes: [1, 1] });
    await check({ op: 'Split', opset: 18, attrs: { axis: 1, num_outputs: 3 }, inputs: [rf([2, 7])], outTypes: [1, 1, 1] });
  });
  it('int64 data', async () => {
    await check({ op: 'Split', opset: 13, inputs: [init(i64([4], [1, 2, 3, 4])), init(i64([2], [1, 3]))], outTypes: [7, 7] });
  });
});

describe('Max, Min, Equal, Greater, Less, Where', () => {
  it('Max/Min: one to three inputs with broadcasting, int64', async () => {
    await check({ op: 'Max', opset: 13, inputs: [rf([2, 3]), rf([3]), rf([2, 1])] });
    await check({ op: 'Min', opset: 8, inputs: [rf([2, 3, 4]), rf([1, 4])] });
    await check({ op: 'Max', opset: 6, inputs: [rf([3, 2])] });
    await check({ op: 'Min', opset: 12, inputs: [i64([3], [5, -2, 7]), init(i64([], [0]))], outTypes: [7] });
  });
  it('comparisons give bool, with broadcasting', async () => {
    const a = fl([2, 3], [0, 1, 2, 3, 4, 5]);
    const b = fl([3], [0, 4, 2]);
    await check({ op: 'Equal', opset: 11, inputs: [a, b], outTypes: [9] });
    await check({ op: 'Greater', opset: 13, inputs: [a, b], outTypes: [9] });
    await check({ op: 'Less', opset: 9, inputs: [a, b], outTypes: [9] });
    await check({ op: 'Equal', opset: 13, inputs: [i64([2], [3, 4]), init(i64([], [4]))], outTypes: [9] });
  });
  it('Where broadcasts condition, X and Y', async () => {
    const c: Tensor = { dtype: 'bool', dims: [2, 1], data: Uint8Array.of(1, 0) };
    await check({ op: 'Where', opset: 9, inputs: [c, rf([3]), rf([2, 3])] });
    await check({ op: 'Where', opset: 16, inputs: [c, init(i64([1], [1])), i64([2, 2], [5, 6, 7, 8])], outTypes: [7] });
  });
});

describe('Floor, Ceil, Not, ReduceProd', () => {
  it('Floor and Ceil', async () => {
    await check({ op: 'Floor', opset: 13, inputs: [rf([3, 4], -5, 5)] });
    await check({ op: 'Ceil', opset: 6, inputs: [rf([3, 4], -5, 5)] });
  });
  it('Not', async () => {
    await check({ op: 'Not', opset: 1, inputs: [{ dtype: 'bool', dims: [4], data: Uint8Array.of(1, 0, 0, 1) }], outTypes: [9] });
  });
  it('ReduceProd: float axes attribute, int64 keepdims 0, axes input (opset 18)', async () => {
    await check({ op: 'ReduceProd', opset: 13, attrs: { axes: [1, 2] }, inputs: [rf([2, 3, 4], 0.5, 1.5)] });
    await check({ op: 'ReduceProd', opset: 13, attrs: { keepdims: 0 }, inputs: [i64([3], [2, 3, 7])], outTypes: [7] });
    await check({ op: 'ReduceProd', opset: 18, attrs: { keepdims: 0 }, inputs: [i64([2, 3], [1, 2, 3, 4, 5, 6]), init(i64([1], [-1]))], outTypes: [7] });
  });
});

describe('Log, GreaterOrEqual, LessOrEqual, ReduceMax (zoo: oww-melspectrogram, oww-hey-jarvis)', () => {
  it('Log of positive values', async () => {
    await check({ op: 'Log', opset: 13, inputs: [rf([3, 4], 1e-6, 10)] });
  });
  it('GreaterOrEqual and LessOrEqual broadcast, equal values included', async () => {
    const a = fl([2, 3], [1, 2, 3, 4, 5, 6]);
    await check({ op: 'GreaterOrEqual', opset: 12, inputs: [a, init(fl([3], [1, 5, 3]))], outTypes: [9] });
    await check({ op: 'LessOrEqual', opset: 16, inputs: [a, init(fl([], [4]))], outTypes: [9] });
    await check({ op: 'GreaterOrEqual', opset: 13, inputs: [i64([2], [3, 4]), init(i64([], [4]))], outTypes: [9] });
  });
  it('ReduceMax: axes attribute, keepdims 0, axes input (opset 18), all axes', async () => {
    await check({ op: 'ReduceMax', opset: 13, attrs: { axes: [1, 2] }, inputs: [rf([2, 3, 4])] });
    await check({ op: 'ReduceMax', opset: 13, inputs: [rf([2, 3, 4])] });
    await check({ op: 'ReduceMax', opset: 11, attrs: { axes: [-1], keepdims: 0 }, inputs: [rf([2, 3, 4])] });
    await check({ op: 'ReduceMax', opset: 18, attrs: { keepdims: 0 }, inputs: [i64([2, 3], [1, 9, 3, 4, 5, 6]), init(i64([1], [-1]))], outTypes: [7] });
  });
});
