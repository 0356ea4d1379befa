/**
 * Depthwise kernel choice (issue 15): at the avx512vnni level the depthwise layers run the
 * AVX-512 VNNI kernel (fused int8 output stage), EQ_DW_ISA caps only their level (benchmarks
 * compare kernels with everything else unchanged), with the same bytes out, and a bad value is
 * a clear error. Bit-exactness on random shapes is in native-layers.test.ts and eq-kernel-tests.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, quantize, randomInputs } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';

/** 3x3 depthwise (stride 2 unless told, ReLU6) on 24 x 20 x 70, then a 1x1 conv. */
async function depthwiseEqm(stride = 2, bits: 7 | 8 = 7): Promise<{ eqm: Uint8Array; dims: number[] }> {
  const r = rng(15);
  const C = 24;
  const dims = [1, C, 20, 70];
  const bytes = buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], name: 'dw', attrs: { group: C, kernel_shape: [3, 3], strides: [stride, stride], pads: [1, 1, 1, 1] } },
      { op: 'Clip', inputs: ['c1', 'lo', 'hi'], outputs: ['a1'] },
      { op: 'Conv', inputs: ['a1', 'w2', 'b2'], outputs: ['y'], name: 'pw' },
    ],
    inputs: [{ name: 'x', dims }],
    outputs: [{ name: 'y' }],
    initializers: {
      w1: randomTensor([C, 1, 3, 3], r, 0.6),
      b1: randomTensor([C], r, 0.3),
      w2: randomTensor([4, C, 1, 1], r, 0.5),
      b2: randomTensor([4], r, 0.1),
      lo: { dtype: 'float32', dims: [], data: Float32Array.of(0) },
      hi: { dtype: 'float32', dims: [], data: Float32Array.of(6) },
    },
  });
  const q = await quantize(loadModelBytes(bytes, 'dw.onnx'), randomInputs(dims, 2, 3, 1), bits);
  return { eqm: compileIntProgram(q.graph, q.prog), dims };
}

const dwKernel = (eqm: Uint8Array) =>
  Runtime.load(eqm, { threads: 1 })
    .profile()
    .ops.find((o) => o.name === 'dw')!.kernel;

describe('depthwise kernel selection', () => {
  beforeAll(() => ensureNativeAddon(), BUILD_TIMEOUT_MS);
  afterEach(() => {
    delete process.env['EQ_DW_ISA'];
  });

  it('avx512vnni runs the AVX-512 kernel; EQ_DW_ISA=avx2 the AVX2 one, same outputs', async () => {
    const { eqm, dims } = await depthwiseEqm();
    const isas = Runtime.version().availableIsas.split(',');
    if (!isas.includes('avx512vnni')) return;
    expect(dwKernel(eqm)).toBe('dw:dw-avx512-vnni');
    const x = randomInputs(dims, 1, 9, 2.5)[0]!;
    const fast = Runtime.load(eqm, { threads: 1 }).run(x, dims)[0]!;
    process.env['EQ_DW_ISA'] = 'avx2';
    // an INT7 model: the AVX2 level's INT7 kernel (VPMADDUBSW), see the next test
    expect(dwKernel(eqm)).toBe('dw:dw-avx2-int7-maddubs');
    const avx2 = Runtime.load(eqm, { threads: 1 }).run(x, dims)[0]!;
    expect(firstBitDifference(fast, avx2)).toBe(-1);
    // a level above the session's changes nothing
    process.env['EQ_DW_ISA'] = 'avx512vnni';
    expect(
      Runtime.load(eqm, { threads: 1, isa: 'avx2' })
        .profile()
        .ops.find((o) => o.name === 'dw')!.kernel,
    ).toBe('dw:dw-avx2-int7-maddubs');
  });

  it('avx2: INT7 3x3 (stride 1 and 2) runs the VPMADDUBSW kernel, INT8 the general one; same bytes as scalar', async () => {
    const isas = Runtime.version().availableIsas.split(',');
    if (!isas.includes('avx2')) return;
    const cases = [
      { stride: 1, bits: 7 as const, kernel: 'dw:dw-avx2-int7-maddubs' },
      { stride: 1, bits: 8 as const, kernel: 'dw:dw-avx2-maddwd' },
      { stride: 2, bits: 7 as const, kernel: 'dw:dw-avx2-int7-maddubs' },
      { stride: 2, bits: 8 as const, kernel: 'dw:dw-avx2-maddwd' },
    ];
    for (const c of cases) {
      const { eqm, dims } = await depthwiseEqm(c.stride, c.bits);
      const at = (isa: string) => Runtime.load(eqm, { threads: 1, isa });
      expect(
        at('avx2')
          .profile()
          .ops.find((o) => o.name === 'dw')!.kernel,
      ).toBe(c.kernel);
      const x = randomInputs(dims, 1, 9, 2.5)[0]!;
      expect(firstBitDifference(at('avx2').run(x, dims)[0]!, at('scalar').run(x, dims)[0]!)).toBe(-1);
    }
  });

  it('an unknown EQ_DW_ISA is a clear error', async () => {
    const { eqm } = await depthwiseEqm();
    process.env['EQ_DW_ISA'] = 'avx9000';
    expect(() => Runtime.load(eqm, { threads: 1 })).toThrow(/EQ_DW_ISA: unknown ISA level 'avx9000'/);
  });
});
