/**
 * EQM format (issue 3): the TypeScript writer and reader round-trip every op of the integer
 * program with the exact integers and float32 multipliers, and the reader rejects corrupted
 * files. No native code involved.
 */
import { describe, expect, it } from 'vitest';
import type { IntOp } from '../../src-main/core/engine/int-program.js';
import { poolGeometry } from '../../src-main/core/engine/int-pool.js';
import { crc32 } from '../../src-main/core/eqm/crc32.js';
import { EqmFormatError } from '../../src-main/core/eqm/format.js';
import { readEqm, type EqmModel, type EqmOp } from '../helpers/read-eqm.js';
import { compileEqm, compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { loadModel } from '../../src-main/io/model-file.js';
import { describeShared, modelPath } from '../helpers/shared.js';
import { quantize, randomInputs, tinyQuantized, type QuantizedModel } from '../helpers/native-models.js';

function expectRoundTrip(q: QuantizedModel, file: EqmModel): void {
  const { graph, prog } = q;
  const name = (i: number) => file.tensors[i]!.name;
  expect(file.version).toBe(1);
  expect(file.opset).toBe(graph.opset);
  expect(file.qmax).toBe(prog.qmax);
  expect(name(file.input)).toBe(prog.input);
  expect(file.tensors[file.input]!.dims).toEqual(graph.shapes.get(prog.input));
  expect(file.outputs.map(name)).toEqual(prog.outputs);
  expect(file.ops.map((o) => o.kind)).toEqual(prog.ops.map((o) => o.kind));
  for (const t of file.tensors) if (t.dtype === 'int8' && prog.intScales.has(t.name)) expect(t.scale).toBe(prog.intScales.get(t.name));
  prog.ops.forEach((op: IntOp, k) => {
    const f: EqmOp = file.ops[k]!;
    switch (op.kind) {
      case 'quantize':
      case 'dequantize':
        expect(f.kind === op.kind && [name(f.input), name(f.output), f.scale]).toEqual([op.input, op.output, op.scale]);
        break;
      case 'requantize':
        expect(f.kind === 'requantize' && [name(f.input), name(f.output), f.mult]).toEqual([op.input, op.output, op.mult]);
        break;
      case 'qlinear': {
        if (f.kind !== 'qlinear') throw new Error('kind');
        expect(f.name).toBe(op.name);
        expect([name(f.input), name(f.output)]).toEqual([op.input, op.output]);
        expect(f.geom).toEqual(op.geom);
        expect(f.intOutput).toBe(op.outScale !== undefined);
        if (f.intOutput) {
          expect([f.lo, f.hi, f.outScale]).toEqual([op.lo, op.hi, op.outScale]);
          expect(file.tensors[f.output]!.scale).toBe(op.outScale);
        }
        expect(f.floatAct).toEqual(op.floatAct);
        expect(f.wq).toEqual(op.wq);
        expect(f.bias).toEqual(op.bias);
        expect(f.mult).toEqual(op.mult);
        expect(f.tapMult).toEqual(op.tapMult);
        expect(file.tensors[f.output]!.dims).toEqual(op.outDims);
        break;
      }
      case 'qmaxpool':
      case 'qavgpool': {
        if (f.kind !== op.kind) throw new Error('kind');
        const inDims = file.tensors[f.input]!.dims;
        const g = poolGeometry(op.node, graph.opset, inDims);
        const { N, C, H, W, OH, OW, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, countIncludePad } = g;
        expect(f.geom).toEqual({ N, C, H, W, OH, OW, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, countIncludePad });
        if (f.kind === 'qavgpool' && op.kind === 'qavgpool') expect([f.inScale, f.outScale]).toEqual([op.inScale, op.outScale]);
        break;
      }
      case 'qrelu':
      case 'qreshape':
        expect(f.kind === op.kind && [name(f.input), name(f.output)]).toEqual([op.input, op.output]);
        if (op.kind === 'qreshape') expect(file.tensors[(f as { output: number }).output]!.dims).toEqual(op.outDims);
        break;
      case 'qconcat':
        expect(f.kind === 'qconcat' && [f.inputs.map(name), name(f.output), f.axis, f.mults]).toEqual([op.inputs, op.output, op.axis, op.mults]);
        break;
      case 'qadd':
        expect(f.kind === 'qadd' && [name(f.a), name(f.b), name(f.output), f.multA, f.multB, f.lo, f.hi]).toEqual([op.a, op.b, op.output, op.multA, op.multB, op.lo, op.hi]);
        break;
      case 'float': {
        if (f.kind !== 'float') throw new Error('kind');
        expect([f.name, f.opType, f.domain]).toEqual([op.node.name, op.node.op, op.node.domain]);
        expect(f.inputs.map((i) => (i < 0 ? '' : name(i)))).toEqual(op.inputs);
        expect(f.outputs.map((i) => (i < 0 ? '' : name(i)))).toEqual(op.node.outputs);
        expect(f.attrs).toEqual(op.node.attrs);
        for (const i of f.inputs) {
          const init = i >= 0 ? graph.initializers.get(name(i)) : undefined;
          if (!init || init.dtype !== 'float32') continue;
          const t = file.tensors[i]!;
          expect(t.kind).toBe('constant');
          expect(new Float32Array(t.data!.buffer, t.data!.byteOffset, t.data!.length / 4)).toEqual(init.data);
        }
        if (op.node.act)
          expect(f.act).toEqual({ kind: op.node.act.kind, min: op.node.act.kind === 'relu' ? 0 : op.node.act.min, max: op.node.act.kind === 'relu' ? Infinity : op.node.act.max });
        break;
      }
    }
  });
}

function expectFormatError(bytes: Uint8Array, pattern: RegExp): void {
  let err: unknown;
  try {
    readEqm(bytes);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(EqmFormatError);
  expect((err as Error).message).toMatch(pattern);
}

describe('EQM writer/reader round trip', () => {
  for (const bits of [8, 7]) {
    it(`INT${bits}: a model with every int8 op kind and a float tail`, async () => {
      const q = await tinyQuantized(bits);
      const bytes = compileEqm(q.graph, q.plan, q.table);
      expectRoundTrip(q, readEqm(bytes));
      // deterministic: same input, same bytes
      expect(compileIntProgram(q.graph, q.prog)).toEqual(bytes);
    });
  }

  it('header: magic, version, sizes and both CRCs', async () => {
    const q = await tinyQuantized(8);
    const bytes = compileIntProgram(q.graph, q.prog);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('EQM1');
    expect(v.getUint32(4, true)).toBe(1);
    const headerSize = v.getUint32(8, true);
    expect(headerSize).toBe(32 + 16 * v.getUint32(20, true));
    expect(v.getUint32(16, true)).toBe(bytes.length);
    expect(v.getUint32(12, true)).toBe(crc32(bytes, headerSize));
    const hdr = bytes.slice(0, headerSize);
    hdr.fill(0, 24, 28);
    expect(v.getUint32(24, true)).toBe(crc32(hdr));
    // section table: offsets 8-aligned, inside the file, in order
    for (let s = 0; s < v.getUint32(20, true); s++) {
      const off = v.getUint32(32 + 16 * s + 4, true);
      const size = v.getUint32(32 + 16 * s + 8, true);
      expect(off % 8).toBe(0);
      expect(off + size).toBeLessThanOrEqual(bytes.length);
    }
  });

  it('CRC-32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('the reader rejects corrupted files with a message', async () => {
    const q = await tinyQuantized(8);
    const bytes = compileIntProgram(q.graph, q.prog);
    expectFormatError(new Uint8Array(0), /shorter than/);
    expectFormatError(bytes.slice(0, bytes.length - 1), /file size/);
    const magic = bytes.slice();
    magic[0] = 0x58;
    expectFormatError(magic, /magic/);
    const flipped = bytes.slice();
    flipped[bytes.length - 100]! ^= 0x10;
    expectFormatError(flipped, /payload CRC/);
    const hdr = bytes.slice();
    hdr[40]! ^= 1;
    expectFormatError(hdr, /header CRC/);
    const version = bytes.slice();
    new DataView(version.buffer).setUint32(4, 2, true);
    expectFormatError(version, /version 2/);
  });
});

describeShared('EQM round trip on the reference models', () => {
  for (const name of ['mnist', 'ultraface_rfb320']) {
    it(`${name}: every op and parameter survives write → read`, async () => {
      const model = loadModel(modelPath(name));
      const dims = model.graph.inputs[0]!.dims;
      const q = await quantize(model, randomInputs(dims, 2, 7, name === 'mnist' ? 255 : 1), 8);
      expectRoundTrip(q, readEqm(compileEqm(q.graph, q.plan, q.table)));
    });
  }
});
