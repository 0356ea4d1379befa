/**
 * Unsigned activations (core/quant/unsigned-acts.ts): which tensors get the unsigned grid, what
 * the integer program, EQM, scales.json and the QDQ export carry, and that the grid is worth it
 * (the integer reference is closer to FP32 than on the symmetric grid). The native runtime's
 * bit-exactness on zero offsets is in native-layers.test.ts (the `unsigned` cases).
 */
import { describe, expect, it } from 'vitest';
import type { IntProgram } from '../../src-main/core/engine/int-program.js';
import { runGraph } from '../../src-main/core/engine/interpreter.js';
import { lowerToIntProgram } from '../../src-main/core/engine/lower.js';
import { buildQdqGraph } from '../../src-main/core/export/qdq-onnx.js';
import { compileIntProgram, EqmCompileError } from '../../src-main/core/eqm/write-eqm.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import type { FloatTensor, Tensor } from '../../src-main/core/graph/tensor.js';
import { convPadding, unsignedTensors } from '../../src-main/core/quant/unsigned-acts.js';
import { groupId, mixedTable } from '../../src-main/core/quant/mixed-table.js';
import { parseScalesJson, writeScalesJson } from '../../src-main/io/scales-json.js';
import { quantize, randomInputs, runReference, tinyModelBytes } from '../helpers/native-models.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';
import { calibrate } from '../../src-main/pipeline/calib/calibrate.js';
import { DEFAULT_SETTINGS } from '../../src-main/core/calib/settings.js';
import { readEqm } from '../helpers/read-eqm.js';

describe('unsigned activations', () => {
  const model = loadModelBytes(tinyModelBytes(5), 'tiny.onnx');
  const dims = model.graph.inputs[0]!.dims;
  const calib = randomInputs(dims, 3, 41, 1);

  it('puts the fused ReLU/Clip(0,6) outputs and their max pool on the unsigned grid, not what an Add reads', async () => {
    const q = await quantize(model, calib, 8, true);
    // r1 (conv1+relu) → maxpool p1 → convs; r2, r3 → concat 'cat' → Add (symmetric); the Relu after the Add is a qrelu
    expect([...unsignedTensors(q.graph, q.table)].sort()).toEqual(['p1', 'r1', 'r2', 'r3']);
    const plain = await quantize(model, calib, 8, false);
    expect(unsignedTensors(plain.graph, plain.table).size).toBe(0);
    expect(plain.prog.intZeros).toBeUndefined();
  });

  for (const bits of [8, 7]) {
    it(`INT${bits}: scale 2S, zero offset qmax, padded layers read a -z pad, and the rounding error halves`, async () => {
      const qmax = bits === 8 ? 127 : 63;
      const u = await quantize(model, calib, bits, true);
      const zeros = u.prog.intZeros!;
      const names = [...zeros.keys()];
      expect(names.length).toBeGreaterThan(0);
      for (const [name, z] of zeros) expect(z, name).toBe(qmax);
      // r1's int8 version is on the doubled scale of the table's symmetric one
      expect(u.prog.intScales.get('r1::q')).toBe(2 * Math.fround(u.table.tensors['r1']!));
      // conv3 (pads 1) reads p1 through a qpad; conv2 (no padding) reads it directly
      const pad = u.prog.ops.find((o) => o.kind === 'qpad');
      expect(pad && pad.kind === 'qpad' ? pad.output : '').toBe('p1::q::pad@conv3');
      const conv3 = u.prog.ops.find((o) => o.kind === 'qlinear' && o.name === 'conv3');
      expect(conv3 && conv3.kind === 'qlinear' ? [conv3.geom.padT, conv3.geom.padL, conv3.input] : []).toEqual([0, 0, 'p1::q::pad@conv3']);
      // a lone conv+relu whose int8 output is the model output: the only difference between the
      // two grids is the output rounding, whose error the doubled resolution halves
      const lone = loadModelBytes(
        buildModel({
          nodes: [
            { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], name: 'conv', attrs: { pads: [1, 1, 1, 1] } },
            { op: 'Relu', inputs: ['c'], outputs: ['r'] },
            { op: 'Conv', inputs: ['r', 'w2', 'b2'], outputs: ['y'], name: 'conv2' },
          ],
          inputs: [{ name: 'x', dims: [1, 3, 12, 12] }],
          outputs: [{ name: 'y' }],
          initializers: {
            w: randomTensor([8, 3, 3, 3], rng(5), 0.6),
            b: randomTensor([8], rng(6), 0.2),
            w2: randomTensor([4, 8, 1, 1], rng(7), 0.5),
            b2: randomTensor([4], rng(8), 0.1),
          },
        }),
        'lone.onnx',
      );
      const ld = [1, 3, 12, 12];
      const lc = randomInputs(ld, 3, 12, 1);
      const lu = await quantize(lone, lc, bits, true);
      const ls = await quantize(lone, lc, bits, false);
      expect([...(lu.prog.intZeros ?? new Map()).values()]).toEqual([qmax]);
      let errU = 0;
      let errS = 0;
      for (const xi of lc) {
        const ref = (runGraph(lone.graph, { x: { dtype: 'float32', dims: ld, data: xi } as Tensor }).get('y') as FloatTensor).data;
        const ou = runReference(lu, xi, ld).outputs[0]!;
        const os = runReference(ls, xi, ld).outputs[0]!;
        for (let i = 0; i < ref.length; i++) {
          errU += Math.abs(ou[i]! - ref[i]!);
          errS += Math.abs(os[i]! - ref[i]!);
        }
      }
      expect(errU / errS, 'mean |error| of the output, unsigned / symmetric').toBeLessThan(0.8);
    });
  }

  it('EQ searches the grid the table runs on: a layer reading a ReLU output scores higher on the unsigned grid', async () => {
    const lone = loadModelBytes(
      buildModel({
        nodes: [
          { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], name: 'conv', attrs: { pads: [1, 1, 1, 1] } },
          { op: 'Relu', inputs: ['c'], outputs: ['r'] },
          { op: 'Conv', inputs: ['r', 'w2', 'b2'], outputs: ['y'], name: 'conv2', attrs: { pads: [1, 1, 1, 1] } },
        ],
        inputs: [{ name: 'x', dims: [1, 3, 12, 12] }],
        outputs: [{ name: 'y' }],
        initializers: {
          w: randomTensor([8, 3, 3, 3], rng(15), 0.6),
          b: randomTensor([8], rng(16), 0.2),
          w2: randomTensor([4, 8, 3, 3], rng(17), 0.5),
          b2: randomTensor([4], rng(18), 0.1),
        },
      }),
      'lone.onnx',
    );
    const xs = randomInputs([1, 3, 12, 12], 4, 19, 1);
    for (const bits of [8, 7]) {
      const run = (unsigned: boolean) => calibrate(lone, xs, [1, 3, 12, 12], { ...DEFAULT_SETTINGS, method: 'eq', bits, steps: 20, unsignedActivations: unsigned });
      const [u, s] = [await run(true), await run(false)];
      const after = (r: typeof u, name: string) => r.groups.find((g) => g.name === name)!.cosAfter!;
      // the first layer reads the (signed) image: same search, same result
      expect(after(u, 'conv')).toBe(after(s, 'conv'));
      expect(after(u, 'conv2'), `INT${bits}`).toBeGreaterThan(after(s, 'conv2'));
    }
  });

  it('mixed precision: a configuration of two unsigned tables stays unsigned; an unsigned and a symmetric table are refused', async () => {
    const [u8, u7, s7] = [await quantize(model, calib, 8, true), await quantize(model, calib, 7, true), await quantize(model, calib, 7, false)];
    const config = Object.fromEntries(u8.plan.groups.map((g, i) => [groupId(g), i % 2 === 0 ? 'int7' : 'int8'] as const));
    const mixed = mixedTable(u8.graph, u8.plan.groups, u8.table, u7.table, config);
    expect(mixed.unsignedActivations).toBe(true);
    const prog = lowerToIntProgram(u8.graph, u8.plan, mixed);
    // each unsigned value's offset is its own clamp: 63 where an INT7 layer reads it, else 127
    expect(new Set(prog.intZeros!.values())).toEqual(new Set([63, 127]));
    expect(() => mixedTable(u8.graph, u8.plan.groups, u8.table, s7.table, config)).toThrow(/differ in unsigned activations \(INT8 on, INT7 off\)/);
  });

  it('a depthwise layer pads a zero-offset input with -z itself: the same bits as reading an explicitly -z-padded copy', async () => {
    const C = 6;
    const dwModel = loadModelBytes(
      buildModel({
        nodes: [
          { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], name: 'conv', attrs: { pads: [1, 1, 1, 1] } },
          { op: 'Relu', inputs: ['c'], outputs: ['r'] },
          { op: 'Conv', inputs: ['r', 'wd', 'bd'], outputs: ['d'], name: 'dw', attrs: { group: C, pads: [1, 2, 1, 0], strides: [2, 1] } },
          { op: 'Relu', inputs: ['d'], outputs: ['rd'] },
          { op: 'Conv', inputs: ['rd', 'w2', 'b2'], outputs: ['y'], name: 'pw' },
        ],
        inputs: [{ name: 'x', dims: [1, 3, 9, 11] }],
        outputs: [{ name: 'y' }],
        initializers: {
          w: randomTensor([C, 3, 3, 3], rng(25), 0.6),
          b: randomTensor([C], rng(26), 0.2),
          wd: randomTensor([C, 1, 3, 3], rng(27), 0.6),
          bd: randomTensor([C], rng(28), 0.2),
          w2: randomTensor([4, C, 1, 1], rng(29), 0.5),
          b2: randomTensor([4], rng(30), 0.1),
        },
      }),
      'dw.onnx',
    );
    const dims = [1, 3, 9, 11];
    for (const bits of [8, 7]) {
      const q = await quantize(dwModel, randomInputs(dims, 3, 31, 1), bits, true);
      const i = q.prog.ops.findIndex((o) => o.kind === 'qlinear' && o.name === 'dw');
      const dw = q.prog.ops[i]!;
      if (dw.kind !== 'qlinear') throw new Error('no dw layer');
      // no qpad in front: the layer keeps its padding and reads the zero-offset tensor
      expect(q.prog.ops.some((o) => o.kind === 'qpad')).toBe(false);
      expect([dw.geom.padT, dw.geom.padL, q.prog.intZeros!.get(dw.input)]).toEqual([1, 2, bits === 8 ? 127 : 63]);
      // the same layer behind an explicit -z pad (what other layers do)
      const [pt, pl, pb, pr] = convPadding(dw.geom);
      const d = q.graph.shapes.get('r')!;
      const padded = `${dw.input}::pad`;
      const outDims = [d[0]!, d[1]!, d[2]! + pt + pb, d[3]! + pl + pr];
      const explicit: IntProgram = {
        ...q.prog,
        intScales: new Map([...q.prog.intScales, [padded, q.prog.intScales.get(dw.input)!]]),
        intZeros: new Map([...q.prog.intZeros!, [padded, q.prog.intZeros!.get(dw.input)!]]),
        ops: [
          ...q.prog.ops.slice(0, i),
          { kind: 'qpad', input: dw.input, output: padded, pads: [0, 0, pt, pl, 0, 0, pb, pr], outDims },
          {
            ...dw,
            input: padded,
            geom: { ...dw.geom, padT: 0, padL: 0, inH: outDims[2]!, inW: outDims[3]! },
            node: { ...dw.node, attrs: { ...dw.node.attrs, pads: [0, 0, 0, 0] } },
          },
          ...q.prog.ops.slice(i + 1),
        ],
      };
      for (const x of randomInputs(dims, 3, 33, 1.5)) {
        const a = runReference({ graph: q.graph, prog: q.prog }, x, dims);
        const b = runReference({ graph: q.graph, prog: explicit }, x, dims);
        expect(Array.from(a.outputs[0]!)).toEqual(Array.from(b.outputs[0]!));
        expect(Array.from(a.taps.get('dw')!)).toEqual(Array.from(b.taps.get('dw')!));
      }
    }
  });

  it('EQM stores each int8 value’s zero offset; the writer refuses one on an op without offsets', async () => {
    const u = await quantize(model, calib, 7, true);
    const file = readEqm(compileIntProgram(u.graph, u.prog));
    const got = Object.fromEntries(file.tensors.filter((t) => t.zero !== 0).map((t) => [t.name, t.zero]));
    expect(got).toEqual(Object.fromEntries(u.prog.intZeros!));
    // an Add reading a zero-offset value: not representable
    const add = u.prog.ops.findIndex((o) => o.kind === 'qadd');
    const op = u.prog.ops[add]!;
    if (op.kind !== 'qadd') throw new Error('no qadd');
    const bad: IntProgram = { ...u.prog, intZeros: new Map([...u.prog.intZeros!, [op.a, 63]]) };
    expect(() => compileIntProgram(u.graph, bad)).toThrow(EqmCompileError);
    expect(() => compileIntProgram(u.graph, bad)).toThrow(/qadd .*zero offsets are not supported by qadd/);
  });

  it('scales.json: unsigned_activations round-trips as version 4; an older version or a non-boolean is refused', async () => {
    const u = await quantize(model, calib, 8, true);
    const text = writeScalesJson(u.table);
    expect(text).toMatch(/"version": 4/);
    expect(text).toMatch(/"unsigned_activations": true/);
    const back = parseScalesJson(text, 'scales.json');
    expect(back.unsignedActivations).toBe(true);
    expect(lowerToIntProgram(u.graph, u.plan, back).intZeros).toEqual(u.prog.intZeros);
    expect(() => parseScalesJson(text.replace('"version": 4', '"version": 3'), 'old.json')).toThrow(/old\.json: unsigned_activations: needs version 4/);
    expect(() => parseScalesJson(text.replace('"unsigned_activations": true', '"unsigned_activations": "yes"'), 'bad.json')).toThrow(
      /unsigned_activations: expected true or false/,
    );
    const plain = await quantize(model, calib, 8, false);
    expect(writeScalesJson(plain.table)).not.toMatch(/unsigned_activations/);
  });

  it('QDQ export: an unsigned input gets scale 1/(2S) and int8 zero point -qmax (INT7: a Clip from 0)', async () => {
    const u = await quantize(model, calib, 7, true);
    const g = buildQdqGraph(u.graph, u.table);
    const q = g.nodes.find((n) => n.op === 'QuantizeLinear' && n.name.startsWith('p1_'))!;
    const scale = g.initializers.get(q.inputs[1]!)!.data[0]!;
    const zp = g.initializers.get(q.inputs[2]!)!;
    expect(zp.dtype).toBe('int8');
    expect(zp.data[0]).toBe(-63);
    expect(scale).toBe(Math.fround(1 / (2 * Math.fround(u.table.layers.find((l) => l.input === 'p1')!.inputScale))));
    const clip = g.nodes.find((n) => n.op === 'Clip' && n.outputs[0] === q.inputs[0])!;
    expect(g.initializers.get(clip.inputs[1]!)!.data[0]).toBe(0);
    // the graph input stays symmetric
    const qx = g.nodes.find((n) => n.op === 'QuantizeLinear' && n.inputs[0]!.startsWith('x'))!;
    expect(g.initializers.get(qx.inputs[2]!)!.data[0]).toBe(0);
  });
});
