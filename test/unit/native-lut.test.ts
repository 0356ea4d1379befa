/**
 * Activation chains as int8 tables (the qlut op, engine/lut-activations.ts): a decomposed
 * HardSwish, HardSigmoid, SiLU and Tanh(Max(LeakyRelu)) between convolutions lower to one qlut each (no FP32
 * op left), the table is the float chain quantized, the conv before a chain gets an int8 output
 * scale from the chain's; a squeeze-excitation block runs as qavgpool → convs → qlut → qmul
 * (a per-channel int8 multiply); the native runtime is bit-exact with the integer reference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { findLutChains, lutInputScale, lutTable } from '../../src-main/core/engine/lut-activations.js';
import { mulInner } from '../../src-main/core/eqm/ops/qmul.js';
import { compileEqmModel, compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { rne } from '../../src-main/core/quant/rounding.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, lutOpsModel, quantize, randomInputs, runReference } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng, type NodeSpec } from '../helpers/onnx-build.js';

const X_DIMS = [1, 3, 8, 8];
const f32 = Math.fround;

describe('activation chains', () => {
  const graph = loadModelBytes(lutOpsModel(), 'lut.onnx').graph;
  const chains = [...findLutChains(graph).values()];

  it('finds the chains with their inputs and outputs', () => {
    expect(chains.map((c) => [c.input, c.output, c.nodes.map((n) => n.op).join('>')])).toEqual([
      ['c1', 'hs', 'Add>Clip>Mul>Div'],
      ['c2', 'hsig', 'HardSigmoid'],
      ['c3', 'silu', 'Sigmoid>Mul'],
      ['c4', 'th', 'LeakyRelu>Max>Tanh'],
      ['se_c2', 'se_g', 'HardSigmoid'],
    ]);
  });

  it('a decomposed HardSwish table is x·clip(x+3,0,6)/6 quantized', () => {
    const hs = chains[0]!;
    const si = f32(127 / 8);
    const so = f32(127 / 6);
    const lut = lutTable(graph, hs, si, so, 127);
    for (const q of [-128, -127, -60, -20, 0, 1, 20, 47, 127]) {
      const x = f32(q * f32(1 / si));
      const y = f32(f32(x * Math.min(6, Math.max(0, f32(x + 3)))) / 6);
      expect(lut[q + 128], `q=${q}`).toBe(Math.max(-127, Math.min(127, rne(f32(y * so)))) || 0);
    }
  });

  it('derives the input range where the quantized output stops changing', () => {
    // HardSwish is 0 below -3 and the identity above 3: an output range of 6 needs inputs in ±6
    expect(127 / lutInputScale(graph, chains[0]!, f32(127 / 6), 127)!).toBeCloseTo(6, 1);
    // below an output range of 3, the negative side (down to -3) sets the range
    expect(127 / lutInputScale(graph, chains[0]!, f32(127 / 1), 127)!).toBeCloseTo(3, 1);
    // HardSigmoid(0.2, 0.5) saturates outside ±2.5
    expect(127 / lutInputScale(graph, chains[1]!, f32(127), 127)!).toBeCloseTo(2.5, 1);
  });
});

describe('qmul broadcasting', () => {
  it('b repeats over a: same shape, per channel, scalar; anything else is refused', () => {
    expect(mulInner([1, 4, 8, 8], [1, 4, 8, 8])).toBe(1);
    expect(mulInner([1, 4, 8, 8], [1, 4, 1, 1])).toBe(64);
    expect(mulInner([1, 4, 8, 8], [4, 1, 1])).toBe(64);
    expect(mulInner([1, 4, 8, 8], [1])).toBe(256);
    expect(mulInner([1, 4, 8, 8], [1, 1, 8, 1])).toBeUndefined();
    expect(mulInner([1, 4, 8, 8], [8])).toBeUndefined();
    expect(mulInner([2, 4, 8, 8], [1, 4, 1, 1])).toBeUndefined();
  });
});

describe('qlut in the integer program and the native runtime', () => {
  beforeAll(() => {
    if (!process.env.EQ_NATIVE_ADDON) ensureNativeAddon();
  }, BUILD_TIMEOUT_MS);

  for (const bits of [8, 7]) {
    it(`INT${bits}: every chain is one qlut, the SE gate a qmul, no FP32 op; native bit for bit`, async () => {
      const q = await quantize(loadModelBytes(lutOpsModel(), 'lut.onnx'), randomInputs(X_DIMS, 3, 5, 1.5), bits);
      expect(q.prog.ops.filter((o) => o.kind === 'float')).toEqual([]);
      // what `easyquant compile` reports as FP32 ops
      expect(compileEqmModel(q.graph, q.plan, q.table).floatOps).toEqual([]);
      expect(q.prog.ops.filter((o) => o.kind === 'qlut').length).toBe(5);
      const mul = q.prog.ops.find((o) => o.kind === 'qmul');
      expect(mul && mul.kind === 'qmul' && [mul.inner, mul.outDims.join()]).toEqual([64, '1,4,8,8']);
      expect(q.prog.ops.some((o) => o.kind === 'qavgpool')).toBe(true);
      for (const o of q.prog.ops) if (o.kind === 'qlinear' && o.name !== 'conv8') expect(o.outScale, o.name).toBeDefined();
      const session = Runtime.load(compileIntProgram(q.graph, q.prog));
      for (const x of randomInputs(X_DIMS, 3, 70 + bits, 2)) {
        const ref = runReference(q, x, X_DIMS);
        const nat = session.run(x, X_DIMS)[0]!;
        expect(firstBitDifference(ref.outputs[0] as Float32Array, nat)).toBe(-1);
        // and close to FP32 (8 layers, min-max scales from 3 samples, inputs of a wider range)
        const fp = runGraph(q.graph, { x: { dtype: 'float32', dims: X_DIMS, data: x } }).get('y')!.data as Float32Array;
        let dot = 0;
        let na = 0;
        let nb = 0;
        fp.forEach((v, i) => {
          dot += v * nat[i]!;
          na += v * v;
          nb += nat[i]! * nat[i]!;
        });
        expect(dot / Math.sqrt(na * nb)).toBeGreaterThan(bits === 8 ? 0.98 : 0.95);
      }
    });
  }
});

/**
 * A large table op (16 x 63 x 61 = 61488 values): split over 2 threads in 64-byte aligned
 * ranges whose lengths are not multiples of the AVX2 kernel's 32 (native/src/runtime/ops/qlut.cc,
 * kernels/x86_avx2/lut_avx2.cc); 1 and 2 threads bit for bit with the integer reference.
 */
describe('qlut on a large tensor, 1 and 2 threads', () => {
  const dims = [1, 3, 63, 61];
  const r = rng(23);
  const nodes: NodeSpec[] = [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], name: 'conv1', attrs: { pads: [1, 1, 1, 1] } },
    { op: 'LeakyRelu', inputs: ['c1'], outputs: ['l1'], name: 'leaky1', attrs: { alpha: 0.1 } },
    { op: 'Conv', inputs: ['l1', 'w2', 'b2'], outputs: ['y'], name: 'conv2' },
  ];
  const init = { w1: randomTensor([16, 3, 3, 3], r, 0.5), b1: randomTensor([16], r, 0.1), w2: randomTensor([4, 16, 1, 1], r, 0.3), b2: randomTensor([4], r, 0.1) };
  const bytes = buildModel({ nodes, inputs: [{ name: 'x', dims }], outputs: [{ name: 'y' }], initializers: init });

  beforeAll(() => {
    if (!process.env.EQ_NATIVE_ADDON) ensureNativeAddon();
  }, BUILD_TIMEOUT_MS);

  for (const bits of [8, 7]) {
    it(`INT${bits}`, async () => {
      const q = await quantize(loadModelBytes(bytes, 'leaky-large.onnx'), randomInputs(dims, 2, 9, 1.5), bits);
      const lut = q.prog.ops.find((o) => o.kind === 'qlut');
      expect(lut).toBeDefined();
      const eqm = compileIntProgram(q.graph, q.prog);
      for (const threads of [1, 2]) {
        const session = Runtime.load(eqm, { threads, autotune: false });
        for (const x of randomInputs(dims, 2, 40 + bits, 2)) {
          const ref = runReference(q, x, dims);
          expect(firstBitDifference(ref.outputs[0] as Float32Array, session.run(x, dims)[0]!), `${threads} thread(s)`).toBe(-1);
        }
      }
    });
  }
});
