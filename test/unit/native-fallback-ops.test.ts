/**
 * The FP32 fallback ops of real CNNs added to the native runtime (issue 11 item 2): PRelu,
 * HardSwish, Max/Min, Pad, Split, ReduceMean, Pow, Sqrt (native/src/fallback/*.cc), plus SiLU
 * (Sigmoid · Mul), Concat with a constant input and Resize in the same graphs. Per case:
 *  - the TypeScript FP32 kernels against onnxruntime-node: bit for bit, except where
 *    onnxruntime's own kernel rounds differently (`ortTol`: Sigmoid uses MLAS's rational
 *    approximation, ReduceMean sums in float32 in its own order, linear Resize upsamples by 2
 *    with its own weights, Pow uses its own pow); HardSwish and HardSigmoid are bit for bit;
 *  - the native runtime against the TypeScript integer reference, bit for bit, on the
 *    quantized model (conv → op → outputs), INT8 and INT7.
 */
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IntProgram } from '../../src-main/core/engine/int-program.js';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { cnnOpsModel, firstBitDifference, maxRelativeDifference, quantize, randomInputs, runReference } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng, type NodeSpec } from '../helpers/onnx-build.js';

const X_DIMS = [1, 3, 8, 8];
const A_DIMS = [1, 8, 8, 8];
const i64 = (v: number[]): Tensor => ({ dtype: 'int64', dims: [v.length], data: Float64Array.from(v) });
const f32 = (dims: number[], v: number[]): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from(v) });

interface Case {
  name: string;
  opset: number;
  /** nodes reading tensor 'a' [1,8,8,8] */
  nodes: NodeSpec[];
  init: Record<string, Tensor>;
  outputs: string[];
  /** ops that must stay FP32 fallback ops in the compiled program */
  floatOps: string[];
  /** relative tolerance against onnxruntime (0: bit for bit) */
  ortTol: number;
  /** outputs bit for bit with onnxruntime even when ortTol > 0 */
  exact?: string[];
  /** further checks of the integer program */
  check?: (prog: IntProgram) => void;
}

const r = rng(21);
const CASES: Case[] = [
  {
    name: 'PRelu (per-channel and scalar slope)',
    opset: 17,
    nodes: [
      { op: 'PRelu', inputs: ['a', 'slope'], outputs: ['p1'], name: 'prelu_c' },
      { op: 'PRelu', inputs: ['a', 'slope1'], outputs: ['p2'], name: 'prelu_s' },
    ],
    init: { slope: randomTensor([8, 1, 1], r, 0.5), slope1: f32([1], [0.3]) },
    outputs: ['p1', 'p2'],
    floatOps: ['PRelu'],
    ortTol: 0,
  },
  {
    name: 'HardSwish, HardSigmoid and SiLU (Sigmoid · Mul)',
    opset: 17,
    nodes: [
      { op: 'HardSwish', inputs: ['a'], outputs: ['hs'], name: 'hswish' },
      { op: 'HardSigmoid', inputs: ['a'], outputs: ['hg'], name: 'hsig', attrs: { alpha: 0.1666666716337204, beta: 0.5 } },
      { op: 'Sigmoid', inputs: ['a'], outputs: ['sg'], name: 'sigmoid' },
      { op: 'Mul', inputs: ['a', 'sg'], outputs: ['silu'], name: 'silu' },
    ],
    init: {},
    outputs: ['hs', 'hg', 'silu'],
    floatOps: ['HardSwish', 'HardSigmoid', 'Sigmoid'],
    ortTol: 4e-6,
    exact: ['hs', 'hg'],
  },
  {
    name: 'Max / Min, variadic with broadcasting',
    opset: 17,
    nodes: [
      { op: 'Max', inputs: ['a', 'mx', 'mx2'], outputs: ['mo'], name: 'max3' },
      { op: 'Min', inputs: ['a', 'mn'], outputs: ['no'], name: 'min2' },
    ],
    init: { mx: randomTensor([1, 8, 1, 1], r, 0.5), mx2: randomTensor([8], r, 0.5), mn: f32([], [0.25]) },
    outputs: ['mo', 'no'],
    floatOps: ['Max', 'Min'],
    ortTol: 0,
  },
  {
    name: 'Pad constant (runtime value) / reflect / edge',
    opset: 17,
    nodes: [
      { op: 'Pad', inputs: ['a', 'pads1', 'pv'], outputs: ['pc'], name: 'pad_const' },
      { op: 'Pad', inputs: ['a', 'pads2'], outputs: ['pr'], name: 'pad_reflect', attrs: { mode: 'reflect' } },
      { op: 'Pad', inputs: ['a', 'pads3'], outputs: ['pe'], name: 'pad_edge', attrs: { mode: 'edge' } },
    ],
    init: { pads1: i64([0, 1, 2, 0, 0, 2, 1, 3]), pv: f32([], [0.75]), pads2: i64([0, 0, 3, 1, 0, 0, 2, 4]), pads3: i64([0, 0, 1, 2, 0, 0, 3, 0]) },
    outputs: ['pc', 'pr', 'pe'],
    floatOps: ['Pad'],
    ortTol: 0,
  },
  {
    name: 'Split (sizes input, equal parts) feeding two outputs each',
    opset: 17,
    nodes: [
      { op: 'Split', inputs: ['a', 'sizes'], outputs: ['s1', 's2', 's3'], name: 'split_sizes', attrs: { axis: 1 } },
      { op: 'Split', inputs: ['a'], outputs: ['e1', 'e2'], name: 'split_equal', attrs: { axis: -1 } },
    ],
    init: { sizes: i64([3, 1, 4]) },
    outputs: ['s1', 's2', 's3', 'e1', 'e2'],
    floatOps: ['Split'],
    ortTol: 0,
  },
  {
    name: 'ReduceMean (spatial, keepdims; channels, no keepdims)',
    opset: 17,
    nodes: [
      { op: 'ReduceMean', inputs: ['a'], outputs: ['m1'], name: 'mean_hw', attrs: { axes: [2, 3] } },
      { op: 'ReduceMean', inputs: ['a'], outputs: ['m2'], name: 'mean_c', attrs: { axes: [1], keepdims: 0 } },
    ],
    init: {},
    outputs: ['m1', 'm2'],
    floatOps: ['ReduceMean'],
    ortTol: 4e-6,
  },
  {
    name: 'ReduceMean with axes input (opset 18) and Split with num_outputs',
    opset: 18,
    nodes: [
      { op: 'ReduceMean', inputs: ['a', 'rax'], outputs: ['m3'], name: 'mean18' },
      { op: 'Split', inputs: ['a'], outputs: ['u1', 'u2', 'u3'], name: 'split18', attrs: { axis: 2, num_outputs: 3 } },
    ],
    init: { rax: i64([-1]) },
    outputs: ['m3', 'u1', 'u2', 'u3'],
    floatOps: ['ReduceMean', 'Split'],
    ortTol: 4e-6,
    exact: ['u1', 'u2', 'u3'],
  },
  {
    name: 'Concat with a constant input (channel padding) and Resize nearest / bilinear',
    opset: 17,
    nodes: [
      { op: 'Concat', inputs: ['a', 'zeros'], outputs: ['cz'], name: 'cat_const', attrs: { axis: 1 } },
      { op: 'Resize', inputs: ['a', '', 'sc'], outputs: ['rn'], name: 'resize_nearest', attrs: { mode: 'nearest' } },
      { op: 'Resize', inputs: ['a', '', 'sc'], outputs: ['rl'], name: 'resize_linear', attrs: { mode: 'linear' } },
      // the native fused 2-D path (height first: its ratio is the smaller), with weight-0 taps
      { op: 'Resize', inputs: ['a', '', '', 'sz1'], outputs: ['rl1'], name: 'resize_linear_ac', attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' } },
      // width shrinks, so it goes first: the general separable path
      { op: 'Resize', inputs: ['a', '', '', 'sz2'], outputs: ['rl2'], name: 'resize_linear_wh', attrs: { mode: 'linear' } },
    ],
    init: { zeros: randomTensor([1, 3, 8, 8], r, 0.5), sc: f32([4], [1, 1, 2, 2]), sz1: i64([1, 8, 15, 22]), sz2: i64([1, 8, 13, 5]) },
    outputs: ['cz', 'rn', 'rl', 'rl1', 'rl2'],
    floatOps: ['Concat', 'Resize'],
    ortTol: 1e-4,
    exact: ['cz', 'rn'],
  },
  {
    name: 'Pow and Sqrt (the LayerNorm of SVTR: x², sqrt(mean + eps))',
    opset: 17,
    nodes: [
      { op: 'Pow', inputs: ['a', 'two'], outputs: ['sq'], name: 'pow2' },
      { op: 'ReduceMean', inputs: ['sq'], outputs: ['var'], name: 'var', attrs: { axes: [-1] } },
      { op: 'Add', inputs: ['var', 'eps'], outputs: ['ve'], name: 'add_eps' },
      { op: 'Sqrt', inputs: ['ve'], outputs: ['sd'], name: 'sqrt' },
      { op: 'Div', inputs: ['a', 'sd'], outputs: ['ln'], name: 'norm' },
      { op: 'Pow', inputs: ['a', 'pexp'], outputs: ['pw'], name: 'pow_c' },
    ],
    init: { two: f32([], [2]), eps: f32([], [1e-5]), pexp: f32([8], [3, 0.5, -1, 1.5, 2, -2, 0.25, 4]) },
    outputs: ['ln', 'sd', 'sq', 'pw'],
    floatOps: ['Pow', 'Sqrt'],
    ortTol: 4e-6,
    exact: ['sq'],
  },
  {
    name: 'int8 Concat with a constant input between convolutions',
    opset: 17,
    nodes: [
      { op: 'Concat', inputs: ['zeros', 'a'], outputs: ['cq'], name: 'cat_const_int8', attrs: { axis: 1 } },
      { op: 'Conv', inputs: ['cq', 'wz', 'bz'], outputs: ['cc'], name: 'conv_after_cat' },
    ],
    init: { zeros: randomTensor([1, 3, 8, 8], r, 0.5), wz: randomTensor([4, 11, 1, 1], r, 0.5), bz: randomTensor([4], r, 0.1) },
    outputs: ['cc'],
    floatOps: [],
    ortTol: 1e-4,
    check(prog) {
      // the constant is quantized at the output scale and concatenated in input order
      const cat = prog.ops.find((o) => o.kind === 'qconcat');
      expect(cat?.kind === 'qconcat' && cat.inputs).toEqual(['zeros::q@cq::q', 'a::q']);
      expect(prog.ops.some((o) => o.kind === 'quantize' && o.input === 'zeros' && o.output === 'zeros::q@cq::q')).toBe(true);
    },
  },
];

/** conv → the case's nodes; the conv output 'a' is a graph output too, so the ops read dequantized int8 */
function quantModel(c: Case): Uint8Array {
  const rr = rng(5);
  return buildModel({
    nodes: [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['a'], name: 'conv', attrs: { pads: [1, 1, 1, 1] } }, ...c.nodes],
    inputs: [{ name: 'x', dims: X_DIMS }],
    outputs: c.outputs.map((name) => ({ name })),
    initializers: { w: randomTensor([8, 3, 3, 3], rr, 0.5), b: randomTensor([8], rr, 0.1), ...c.init },
    opset: c.opset,
  });
}

function floatModel(c: Case): Uint8Array {
  return buildModel({ nodes: c.nodes, inputs: [{ name: 'a', dims: A_DIMS }], outputs: c.outputs.map((name) => ({ name })), initializers: c.init, opset: c.opset });
}

describe('FP32 fallback ops: TypeScript kernels vs onnxruntime', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const bytes = floatModel(c);
      const model = loadModelBytes(bytes, 'ops.onnx');
      const session = await ort.InferenceSession.create(bytes);
      try {
        for (const a of randomInputs(A_DIMS, 2, 31, 4)) {
          const want = await session.run({ a: new ort.Tensor('float32', a, A_DIMS) });
          const got = runGraph(model.graph, { a: { dtype: 'float32', dims: A_DIMS, data: a } });
          for (const name of c.outputs) {
            const w = want[name]!.data as Float32Array;
            const g = got.get(name)!.data as Float32Array;
            expect([...got.get(name)!.dims], name).toEqual([...want[name]!.dims]);
            if (c.ortTol === 0 || c.exact?.includes(name)) expect(firstBitDifference(w, g), name).toBe(-1);
            else expect(maxRelativeDifference(w, g, 1e-3), name).toBeLessThanOrEqual(c.ortTol);
          }
        }
      } finally {
        await session.release();
      }
    });
  }
});

describe('FP32 fallback ops: native runtime vs the TypeScript integer reference', () => {
  beforeAll(() => {
    if (!process.env.EQ_NATIVE_ADDON) ensureNativeAddon();
  }, BUILD_TIMEOUT_MS);

  for (const c of CASES) {
    for (const bits of [8, 7]) {
      it(`INT${bits}: ${c.name}, bit for bit`, async () => {
        const model = loadModelBytes(quantModel(c), 'ops.onnx');
        const q = await quantize(model, randomInputs(X_DIMS, 3, 5, 1.5), bits);
        const floatOps = new Set(q.prog.ops.flatMap((o) => (o.kind === 'float' ? [o.node.op] : [])));
        for (const op of c.floatOps) expect(floatOps.has(op), `${op} is an FP32 op of the program`).toBe(true);
        c.check?.(q.prog);
        const session = Runtime.load(compileIntProgram(q.graph, q.prog));
        for (const x of randomInputs(X_DIMS, 3, 70 + bits, 2)) {
          const ref = runReference(q, x, X_DIMS);
          const nat = session.run(x, X_DIMS);
          expect(nat.length).toBe(c.outputs.length);
          ref.outputs.forEach((want, k) => {
            const d = firstBitDifference(want as Float32Array, nat[k]!);
            expect(d, `output ${q.prog.outputs[k]} differs at ${d}`).toBe(-1);
          });
        }
      });
    }
  }

  it('the chained CNN ops model (the fuzz seed) is bit-exact too', async () => {
    const q = await quantize(loadModelBytes(cnnOpsModel(), 'cnn-ops.onnx'), randomInputs(X_DIMS, 2, 6), 8);
    const session = Runtime.load(compileIntProgram(q.graph, q.prog));
    for (const x of randomInputs(X_DIMS, 3, 90, 2)) {
      const ref = runReference(q, x, X_DIMS);
      expect(firstBitDifference(ref.outputs[0] as Float32Array, session.run(x, X_DIMS)[0]!)).toBe(-1);
    }
  });
});
