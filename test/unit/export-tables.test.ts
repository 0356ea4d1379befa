import { describe, expect, it } from 'vitest';
import { parseNcnnTable, writeNcnnTable } from '../../src-main/core/export/ncnn-table.js';
import { float32ToHex, hexToFloat32, oursFromTrtScale, parseTrtCache, trtCacheToOurScales, writeTrtCache } from '../../src-main/core/export/trt-cache.js';
import type { ScaleTable } from '../../src-main/core/quant/scale-table.js';

function table(bits = 8): ScaleTable {
  const qmax = 2 ** (bits - 1) - 1;
  return {
    bits,
    qmax,
    method: 'eq',
    modelSha256: '0'.repeat(64),
    modelFile: 'm.onnx',
    layers: [
      { name: 'conv1', op: 'Conv', input: 'data', output: 'conv1_relu', weight: 'w1', weightScales: [2, 0.5, 127], inputScale: 127 },
      { name: 'conv2', op: 'Conv', input: 'conv1_relu', output: 'conv2_out', weight: 'w2', weightScales: [0.1, 1 / 3], inputScale: 12.7 },
      { name: 'fc', op: 'Gemm', input: 'pool', output: 'fc_out', weight: 'w3', weightScales: [1e-7, 123456.789], inputScale: 0.30000000000000004 },
    ],
    tensors: { data: 127, conv1_relu: 12.7, pool: 0.30000000000000004, 'blob:with: colons': 63.5 },
    settings: {},
    createdAt: '2025-01-01T00:00:00Z',
  };
}

describe('ncnn int8 table', () => {
  it('writes all _param_0 lines first, then the input blob lines, in layer order', () => {
    expect(writeNcnnTable(table())).toBe(
      ['conv1_param_0 2 0.5 127', 'conv2_param_0 0.1 0.3333333333333333', 'fc_param_0 1e-7 123456.789', 'conv1 127', 'conv2 12.7', 'fc 0.30000000000000004', ''].join('\n'),
    );
  });

  it('parses back exactly the same numbers', () => {
    const t = table();
    // awkward doubles: shortest representations of all kinds
    t.layers[0]!.weightScales = [Math.PI, Math.E * 1e-12, 1 / 7, 2 ** -30, 9007199254740994, 5e-324];
    t.layers[1]!.inputScale = Math.SQRT2 * 1e21;
    const parsed = parseNcnnTable(writeNcnnTable(t));
    expect([...parsed.weights.keys()]).toEqual(['conv1', 'conv2', 'fc']);
    expect([...parsed.inputs.keys()]).toEqual(['conv1', 'conv2', 'fc']);
    for (const l of t.layers) {
      expect(parsed.weights.get(l.name)).toStrictEqual(l.weightScales);
      expect(Object.is(parsed.inputs.get(l.name), l.inputScale)).toBe(true);
    }
  });

  it('writes INT7 scales unchanged', () => {
    const t = table(7);
    expect(writeNcnnTable(t)).toBe(writeNcnnTable(table(8)));
  });

  it('maps layer names and rejects names ncnn cannot hold', () => {
    expect(writeNcnnTable(table(), { layerName: (l) => `L_${l.name}` }).split('\n')[0]).toBe('L_conv1_param_0 2 0.5 127');
    const t = table();
    t.layers[0]!.name = 'conv 1';
    expect(() => writeNcnnTable(t)).toThrow(/layer 'conv 1'.*whitespace/);
    expect(() => writeNcnnTable(table(), { layerName: () => 'same' })).toThrow(/two layers have the ncnn name 'same'/);
    const bad = table();
    bad.layers[1]!.weightScales[0] = -1;
    expect(() => writeNcnnTable(bad)).toThrow(/weight scale 0 of layer 'conv2' is -1/);
  });

  it('parses ncnn2table output (%f numbers, trailing spaces) and reports bad lines', () => {
    const text = 'conv1_param_0 157.948608 91.225723 \nconv1 1.062151 \n\nfire2/squeeze1x1_param_0 12.5\nfire2/squeeze1x1 0.125\n';
    const p = parseNcnnTable(text);
    expect(p.weights.get('conv1')).toEqual([157.948608, 91.225723]);
    expect(p.inputs.get('conv1')).toBe(1.062151);
    expect(p.weights.get('fire2/squeeze1x1')).toEqual([12.5]);
    expect(p.inputs.get('fire2/squeeze1x1')).toBe(0.125);
    expect(() => parseNcnnTable('conv1 1 2\n', 't.table')).toThrow(/t\.table:1: blob line 'conv1' must have exactly one scale, got 2/);
    expect(() => parseNcnnTable('a_param_0 1\nconv1 x\n', 't.table')).toThrow(/t\.table:2: value 1 of 'conv1' is not a number: 'x'/);
    expect(() => parseNcnnTable('conv1\n', 't.table')).toThrow(/t\.table:1: line 'conv1' has no scale/);
    expect(() => parseNcnnTable('a 1\na 2\n', 't.table')).toThrow(/t\.table:2: input scale of layer 'a' given twice/);
  });
});

describe('TensorRT calibration cache', () => {
  it('encodes float32 big-endian hex', () => {
    expect(float32ToHex(1)).toBe('3f800000');
    expect(float32ToHex(0.5)).toBe('3f000000');
    expect(float32ToHex(-2)).toBe('c0000000');
    expect(float32ToHex(0.1)).toBe('3dcccccd');
    expect(hexToFloat32('3f800000')).toBe(1);
    expect(hexToFloat32('3dcccccd')).toBe(Math.fround(0.1));
  });

  it('writes the header and one line per tensor with amax/127', () => {
    // data: S = 127 at qmax 127 → amax = 1 → 1/127; conv1_relu: S = 12.7 → amax = 10 → 10/127
    // pool: S = 0.3 → amax = 423.33 → 3.333; 'blob:with: colons': S = 63.5 → amax = 2 → 2/127
    const text = writeTrtCache(table());
    const lines = text.split('\n');
    expect(lines[0]).toBe('TRT-8601-EntropyCalibration2');
    expect(lines.slice(1)).toEqual([
      `data: ${float32ToHex(1 / 127)}`,
      `conv1_relu: ${float32ToHex(10 / 127)}`,
      `pool: ${float32ToHex(1 / 0.30000000000000004)}`,
      `blob:with: colons: ${float32ToHex(2 / 127)}`,
      '',
    ]);
    expect(lines[1]).toBe('data: 3c010204'); // 1/127 as float32
    expect(writeTrtCache(table(), { version: 8500 }).split('\n')[0]).toBe('TRT-8500-EntropyCalibration2');
  });

  it('amax/127 = 1.0 gives 3f800000', () => {
    // 8 bits: amax = 127 / S = 127 ⇔ S = 1
    const t = { ...table(), tensors: { x: 1 } };
    expect(writeTrtCache(t)).toBe('TRT-8601-EntropyCalibration2\nx: 3f800000\n');
    // INT7: amax = 63 / S; S = 63/127 gives amax = 127 as well
    const t7 = { ...table(7), tensors: { x: 63 / 127 } };
    expect(writeTrtCache(t7)).toBe('TRT-8601-EntropyCalibration2\nx: 3f800000\n');
  });

  it('round-trips to the float32-rounded scales', () => {
    for (const bits of [8, 7]) {
      const t = table(bits);
      t.tensors['odd'] = Math.PI * 1000;
      t.tensors['tiny'] = 1e-3;
      const cache = parseTrtCache(writeTrtCache(t));
      expect(cache.version).toBe('8601');
      expect(cache.calibrator).toBe('EntropyCalibration2');
      expect([...cache.scales.keys()]).toEqual(Object.keys(t.tensors));
      for (const [name, s] of Object.entries(t.tensors)) {
        const expected = Math.fround(t.qmax / s / 127);
        expect(cache.scales.get(name), name).toBe(expected);
      }
      // back to our convention: within float32 precision of the originals
      const ours = trtCacheToOurScales(cache, t.qmax);
      for (const [name, s] of Object.entries(t.tensors)) {
        expect(ours.get(name)).toBe(oursFromTrtScale(Math.fround(t.qmax / s / 127), t.qmax));
        expect(Math.abs(ours.get(name)! - s) / s).toBeLessThan(1e-7);
      }
    }
  });

  it('rejects malformed caches', () => {
    expect(() => parseTrtCache('data: 3f800000\n', 'c.cache')).toThrow(/c\.cache:1: expected a header/);
    expect(() => parseTrtCache('TRT-8601-EntropyCalibration2\ndata 3f800000\n', 'c.cache')).toThrow(/c\.cache:2: expected '<tensor name>: <8 hex digits>'/);
    expect(() => parseTrtCache('TRT-8601-EntropyCalibration2\ndata: 3f80\n', 'c.cache')).toThrow(/tensor 'data': expected 8 hex digits/);
    expect(() => writeTrtCache({ ...table(), tensors: { 'a\nb': 1 } })).toThrow(/cannot be written on one line/);
    expect(() => writeTrtCache({ ...table(), tensors: { a: 0 } })).toThrow(/tensor 'a' has scale 0/);
  });
});
