/**
 * Pad, MaxPool and Resize between int8 ops stay int8 (issue 15 item 1): a zero-constant Pad runs
 * as qpad and a nearest/linear Resize as qresize at their input's scale, so the MaxPool before a
 * channel Pad and the Adds after them are int8 too; the native runtime is bit-exact with the
 * integer reference, and the fixed-point linear Resize stays within one step of the float one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { resizeInt8 } from '../../src-main/core/eqm/ops/qresize.js';
import { padInt8 } from '../../src-main/core/eqm/ops/qpad.js';
import { compileEqmModel, compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { int8PadPads, int8ResizeAxes } from '../../src-main/core/quant/int8-data-ops.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { BUILD_TIMEOUT_MS, ensureNativeAddon } from '../helpers/native.js';
import { firstBitDifference, fpnOpsModel, quantize, randomInputs, runReference } from '../helpers/native-models.js';

const X_DIMS = [1, 3, 16, 16];
const node = (g: ReturnType<typeof loadModelBytes>['graph'], name: string) => g.nodes.find((n) => n.name === name)!;

describe('int8 Pad and Resize geometry', () => {
  const graph = loadModelBytes(fpnOpsModel(), 'fpn.onnx').graph;

  it('a zero-constant Pad gives its pads; a non-zero constant, edge mode or negative pads do not', () => {
    expect(int8PadPads(graph, node(graph, 'channel_pad'))).toEqual([0, 0, 0, 0, 0, 4, 0, 0]);
    expect(int8PadPads(graph, node(graph, 'spatial_pad'))).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
    const pad = node(graph, 'spatial_pad');
    const g2 = { ...graph, initializers: new Map(graph.initializers) };
    g2.initializers.set('zero', { dtype: 'float32', dims: [], data: Float32Array.of(0.5) });
    expect(int8PadPads(g2, pad)).toBeUndefined();
    expect(int8PadPads(graph, { ...pad, attrs: { ...pad.attrs, mode: 'edge' } })).toBeUndefined();
    g2.initializers.set('sppad', { dtype: 'int64', dims: [8], data: Float64Array.of(0, 0, -1, 1, 0, 0, 1, 1) });
    expect(int8PadPads({ ...g2, initializers: new Map([...g2.initializers, ['zero', graph.initializers.get('zero')!]]) }, pad)).toBeUndefined();
  });

  it('a 2× half_pixel linear Resize has weights 1/4 and 3/4 (in 1/2048), clamped at the edges', () => {
    const a = int8ResizeAxes(graph, node(graph, 'up_linear'))!;
    expect([...a.h.i0]).toEqual([0, 0, 0, 1, 1, 2, 2, 3]);
    expect([...a.h.i1]).toEqual([0, 1, 1, 2, 2, 3, 3, 3]);
    expect([...a.h.w1]).toEqual([0, 512, 1536, 512, 1536, 512, 1536, 0]);
    const n = int8ResizeAxes(graph, node(graph, 'up_nearest'))!;
    expect([...n.w.i0]).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
    expect([...n.w.w1].every((w) => w === 0)).toBe(true);
    const cubic = node(graph, 'up_linear');
    expect(int8ResizeAxes(graph, { ...cubic, attrs: { ...cubic.attrs, mode: 'cubic' } })).toBeUndefined();
  });

  it('the fixed-point linear Resize is the float one rounded, within one step', () => {
    const g = graph;
    const ax = int8ResizeAxes(g, node(g, 'up_corners'))!;
    const dims = [1, 2, 8, 8];
    const x = Int8Array.from({ length: 128 }, (_, i) => ((i * 37) % 255) - 127);
    const y = resizeInt8(x, dims, ax.h, ax.w, 127);
    // float reference: the same node on the same values
    const up = node(g, 'up_corners');
    const sizes = { dtype: 'int64' as const, dims: [4], data: Float64Array.of(1, 2, 11, 13) };
    const f = runGraph(
      {
        ...g,
        nodes: [{ ...up, inputs: ['xi', '', '', 'sz'], outputs: ['yi'] }],
        initializers: new Map([['sz', sizes]]),
        inputs: [{ name: 'xi', dims, dtype: 'float32' }],
        outputs: [{ name: 'yi', dims: [1, 2, 11, 13], dtype: 'float32' }],
        shapes: new Map(),
      },
      { xi: { dtype: 'float32', dims, data: Float32Array.from(x) } },
    ).get('yi')!.data as Float32Array;
    expect(y.length).toBe(2 * 11 * 13);
    let exact = 0;
    f.forEach((v, i) => {
      expect(Math.abs(v - y[i]!), `element ${i}`).toBeLessThanOrEqual(0.5 + 1 / 16);
      if (y[i] === Math.round(v)) exact++;
    });
    expect(exact).toBeGreaterThan(0.9 * f.length);
  });

  it('padInt8 copies rows into zeros', () => {
    const p = padInt8(Int8Array.of(1, 2, 3, 4), [1, 2, 2], [0, 1, 0, 0, 0, 1]);
    expect(p.dims).toEqual([1, 3, 3]);
    expect([...p.data]).toEqual([0, 0, 0, 1, 2, 0, 3, 4, 0]);
  });
});

describe('qpad / qresize in the integer program and the native runtime', () => {
  beforeAll(() => {
    if (!process.env.EQ_NATIVE_ADDON) ensureNativeAddon();
  }, BUILD_TIMEOUT_MS);

  for (const bits of [8, 7]) {
    it(`INT${bits}: no FP32 op; MaxPool, Pads, Resizes and Adds in int8; native bit for bit`, async () => {
      const q = await quantize(loadModelBytes(fpnOpsModel(), 'fpn.onnx'), randomInputs(X_DIMS, 3, 5, 1.5), bits);
      expect(q.prog.ops.filter((o) => o.kind === 'float').map((o) => o.kind === 'float' && o.node.name)).toEqual([]);
      expect(compileEqmModel(q.graph, q.plan, q.table).floatOps).toEqual([]);
      const kinds = q.prog.ops.map((o) => o.kind);
      expect(kinds.filter((k) => k === 'qpad').length).toBe(2);
      expect(kinds.filter((k) => k === 'qresize').length).toBe(3);
      expect(kinds.filter((k) => k === 'qadd').length).toBe(2);
      expect(kinds).toContain('qmaxpool');
      // the input is quantized once, nothing is dequantized (both output convs write float)
      expect([kinds.filter((k) => k === 'quantize').length, kinds.filter((k) => k === 'dequantize').length]).toEqual([1, 0]);
      const eqm = compileIntProgram(q.graph, q.prog);
      const session = Runtime.load(eqm, { threads: 1 });
      // the scalar kernels too, and 2 threads (planes split over the pool)
      const others = [Runtime.load(eqm, { threads: 1, isa: 'scalar' }), Runtime.load(eqm, { threads: 2 })];
      for (const x of randomInputs(X_DIMS, 3, 80 + bits, 2)) {
        const ref = runReference(q, x, X_DIMS);
        const nat = session.run(x, X_DIMS);
        for (let k = 0; k < 2; k++) expect(firstBitDifference(ref.outputs[k] as Float32Array, nat[k]!), `output ${k}`).toBe(-1);
        for (const s of others) {
          const o = s.run(x, X_DIMS);
          for (let k = 0; k < 2; k++) expect(firstBitDifference(ref.outputs[k] as Float32Array, o[k]!), `${s.profile().isa} output ${k}`).toBe(-1);
        }
        const fp = runGraph(q.graph, { x: { dtype: 'float32', dims: X_DIMS, data: x } });
        for (const [k, name] of ['y', 'y2'].entries()) {
          const a = fp.get(name)!.data as Float32Array;
          const b = nat[k]!;
          let dot = 0;
          let na = 0;
          let nb = 0;
          a.forEach((v, i) => {
            dot += v * b[i]!;
            na += v * v;
            nb += b[i]! * b[i]!;
          });
          expect(dot / Math.sqrt(na * nb), name).toBeGreaterThan(bits === 8 ? 0.98 : 0.95);
        }
      }
    });
  }
});
