/**
 * TFLite import on models built in the test (test/helpers/tflite-build.ts): every mapped op,
 * TF SAME padding with odd sizes (the extra pixel at the end), NHWC ↔ NCHW at inputs,
 * outputs and between ops, float16 and int8 per-channel weights. onnxruntime's output of the
 * imported model is compared with LiteRT running the .tflite itself.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { Activation, Opt, Padding, TensorType } from '../../src-main/core/tflite/schema.js';
import { tfliteToGraph } from '../../src-main/core/tflite/import.js';
import { runTflite } from '../helpers/litert.js';
import { OptType, TflBuilder } from '../helpers/tflite-build.js';

function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
}

function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const e = ((u >>> 23) & 0xff) - 127 + 15;
  if (e <= 0) return sign;
  return sign | (e << 10) | ((u >>> 13) & 0x3ff);
}

const C = (slot: number, v: number): [number, 'i32', number] => [slot, 'i32', v];
const B = (slot: number, v: number): [number, 'i8', number] => [slot, 'i8', v];

/** A graph touching every mapped op, with odd spatial sizes so SAME padding is asymmetric. */
function buildModel(): Uint8Array {
  const m = new TflBuilder();
  const x = m.input('image', [1, 9, 9, 3]);
  // conv 3x3 s2 SAME + RELU6 (weights stored as float16 behind a DEQUANTIZE)
  const w1h = m.tensor('w1_f16', [4, 3, 3, 3], TensorType.FLOAT16, new Uint8Array(Uint16Array.from(rand(108, 1), toHalf).buffer));
  const w1 = m.tensor('w1', [4, 3, 3, 3]);
  m.op('DEQUANTIZE', [w1h], [w1]);
  const c1 = m.tensor('c1', [1, 5, 5, 4]);
  m.op('CONV_2D', [x, w1, m.floats('b1', [4], rand(4, 2))], [c1], OptType.Conv2D, [
    B(Opt.Conv2D.padding, Padding.SAME),
    C(Opt.Conv2D.strideW, 2),
    C(Opt.Conv2D.strideH, 2),
    B(Opt.Conv2D.act, Activation.RELU6),
  ]);
  // depthwise 3x3, multiplier 2
  const dw = m.tensor('dw', [1, 5, 5, 8]);
  m.op('DEPTHWISE_CONV_2D', [c1, m.floats('wd', [1, 3, 3, 8], rand(72, 3)), m.floats('bd', [8], rand(8, 4))], [dw], OptType.DepthwiseConv2D, [
    B(Opt.DepthwiseConv2D.padding, Padding.SAME),
    C(Opt.DepthwiseConv2D.strideW, 1),
    C(Opt.DepthwiseConv2D.strideH, 1),
    C(Opt.DepthwiseConv2D.depthMultiplier, 2),
  ]);
  const pr = m.tensor('prelu', [1, 5, 5, 8]);
  m.op('PRELU', [dw, m.floats('alpha', [1, 1, 8], rand(8, 5, 0, 0.5))], [pr]);
  const hs = m.tensor('hswish', [1, 5, 5, 8]);
  m.op('HARD_SWISH', [pr], [hs]);
  // 1x1 conv with int8 per-channel weights behind a DEQUANTIZE
  const q = Int8Array.from(rand(64, 6, -127, 127), Math.round);
  const w2q = m.tensor('w2_i8', [8, 1, 1, 8], TensorType.INT8, new Uint8Array(q.buffer), { scale: [...rand(8, 7, 0.005, 0.02)], zeroPoint: new Array<number>(8).fill(0), dim: 0 });
  const w2 = m.tensor('w2', [8, 1, 1, 8]);
  m.op('DEQUANTIZE', [w2q], [w2]);
  const c2 = m.tensor('c2', [1, 5, 5, 8]);
  m.op('CONV_2D', [hs, w2, m.floats('b2', [8], rand(8, 8))], [c2], OptType.Conv2D, [B(Opt.Conv2D.padding, Padding.VALID), C(Opt.Conv2D.strideW, 1), C(Opt.Conv2D.strideH, 1)]);
  // explicit asymmetric zero PAD before a VALID depthwise conv (folded into the conv's pads)
  const hsPad = m.tensor('hswish_padded', [1, 8, 6, 8]);
  m.op('PAD', [hs, m.ints('dw2_paddings', [4, 2], [0, 0, 1, 2, 0, 1, 0, 0])], [hsPad], OptType.Pad, []);
  const dw2 = m.tensor('dw2', [1, 3, 2, 8]);
  m.op('DEPTHWISE_CONV_2D', [hsPad, m.floats('wd2', [1, 3, 3, 8], rand(72, 30)), m.floats('bd2', [8], rand(8, 31))], [dw2], OptType.DepthwiseConv2D, [
    B(Opt.DepthwiseConv2D.padding, Padding.VALID),
    C(Opt.DepthwiseConv2D.strideW, 2),
    C(Opt.DepthwiseConv2D.strideH, 2),
    C(Opt.DepthwiseConv2D.depthMultiplier, 1),
  ]);
  const add = m.tensor('add', [1, 5, 5, 8]);
  m.op('ADD', [c2, pr], [add], OptType.Add, [B(Opt.Binary.act, Activation.RELU)]);
  const mul = m.tensor('mul', [1, 5, 5, 8]);
  m.op('MUL', [add, m.floats('gain', [8], rand(8, 9, 0.5, 2))], [mul], OptType.Mul, []);
  const ap = m.tensor('avgpool', [1, 3, 3, 8]);
  m.op('AVERAGE_POOL_2D', [mul], [ap], OptType.Pool2D, [
    B(Opt.Pool2D.padding, Padding.SAME),
    C(Opt.Pool2D.strideW, 2),
    C(Opt.Pool2D.strideH, 2),
    C(Opt.Pool2D.filterW, 2),
    C(Opt.Pool2D.filterH, 2),
  ]);
  const mp = m.tensor('maxpool', [1, 3, 3, 8]);
  m.op('MAX_POOL_2D', [mul], [mp], OptType.Pool2D, [
    B(Opt.Pool2D.padding, Padding.SAME),
    C(Opt.Pool2D.strideW, 2),
    C(Opt.Pool2D.strideH, 2),
    C(Opt.Pool2D.filterW, 3),
    C(Opt.Pool2D.filterH, 3),
  ]);
  const cat = m.tensor('concat', [1, 3, 3, 16]);
  m.op('CONCATENATION', [mp, ap], [cat], OptType.Concatenation, [C(Opt.Concatenation.axis, -1)]);
  const pad = m.tensor('pad', [1, 4, 4, 16]);
  m.op('PAD', [cat, m.ints('paddings', [4, 2], [0, 0, 1, 0, 0, 1, 0, 0])], [pad], OptType.Pad, []);
  const tc = m.tensor('tconv', [1, 8, 8, 4]);
  m.op(
    'TRANSPOSE_CONV',
    [m.ints('tc_shape', [4], [1, 8, 8, 4]), m.floats('wt', [4, 3, 3, 16], rand(576, 10, -0.3, 0.3)), pad, m.floats('bt', [4], rand(4, 11))],
    [tc],
    OptType.TransposeConv,
    [B(Opt.TransposeConv.padding, Padding.SAME), C(Opt.TransposeConv.strideW, 2), C(Opt.TransposeConv.strideH, 2)],
  );
  const rs = m.tensor('resized', [1, 13, 11, 4]);
  m.op('RESIZE_BILINEAR', [tc, m.ints('size', [2], [13, 11])], [rs], OptType.ResizeBilinear, [B(Opt.Resize.halfPixelCenters, 1)]);
  const sg = m.tensor('mask', [1, 13, 11, 4]);
  m.op('LOGISTIC', [rs], [sg]);
  const mean = m.tensor('mean', [1, 4]);
  m.op('MEAN', [tc, m.ints('axes', [2], [1, 2])], [mean], OptType.Reducer, [B(Opt.Reducer.keepDims, 0)]);
  const fc = m.tensor('fc', [1, 5]);
  m.op('FULLY_CONNECTED', [mean, m.floats('wfc', [5, 4], rand(20, 12)), m.floats('bfc', [5], rand(5, 13))], [fc], OptType.FullyConnected, []);
  const sm = m.tensor('probs', [1, 5]);
  m.op('SOFTMAX', [fc], [sm], OptType.Softmax, [[Opt.Softmax.beta, 'f32', 0.5]]);
  const flat = m.tensor('mean_2x2', [1, 2, 2]);
  m.op('RESHAPE', [mean, m.ints('new_shape', [3], [1, 2, 2])], [flat], OptType.Reshape, []);
  m.outputs = [sg, sm, pad, flat, dw2];
  return m.finish();
}

describe('TFLite import of a model built in the test', () => {
  const bytes = buildModel();

  it('runs in onnxruntime like TFLite itself (LiteRT)', async () => {
    const loaded = loadModelBytes(bytes, 'built.tflite');
    expect(loaded.graph.inputs.map((i) => [i.name, i.dims])).toEqual([['image', [1, 9, 9, 3]]]);
    const x = rand(243, 99);
    const session = await ort.InferenceSession.create(loaded.bytes);
    const res = await session.run({ image: new ort.Tensor('float32', x, [1, 9, 9, 3]) });
    const ref = await runTflite(bytes, [x]);
    expect(session.outputNames).toEqual(['mask', 'probs', 'pad', 'mean_2x2', 'dw2']);
    session.outputNames.forEach((name, i) => {
      const got = res[name]!;
      expect([...got.dims], name).toEqual(ref[i]!.dims);
      const data = got.data as Float32Array;
      let diff = 0;
      for (let j = 0; j < data.length; j++) diff = Math.max(diff, Math.abs(data[j]! - ref[i]!.data[j]!));
      expect(diff, `${name}: max |onnx - tflite|`).toBeLessThan(1e-4);
    });
  }, 120_000);

  it('keeps NCHW inside: one Transpose after the input, one before each 4-D output', () => {
    const g = tfliteToGraph(bytes, 'built.tflite');
    const transposes = g.nodes.filter((n) => n.op === 'Transpose');
    expect(transposes.map((n) => n.inputs[0])).toEqual(['image', expect.stringMatching(/^mask/), expect.stringMatching(/^pad/), expect.stringMatching(/^dw2/)]);
  });

  it('folds a zero PAD of H, W into the convolution reading it', () => {
    const g = tfliteToGraph(bytes, 'built.tflite');
    // only the PAD feeding TRANSPOSE_CONV is left
    expect(g.nodes.filter((n) => n.op === 'Pad').map((n) => n.outputs[0])).toEqual(['pad_nchw']);
    const conv = g.nodes.find((n) => n.outputs[0] === 'dw2_nchw')!;
    expect(conv.op).toBe('Conv');
    expect(conv.attrs['pads']).toEqual([1, 0, 2, 1]);
    expect(conv.inputs[0]).toBe('hswish');
  });
});

describe('TFLite import of an int8 model', () => {
  /** QUANTIZE → int8 CONV_2D (per-channel weights, int32 bias) → DEQUANTIZE, as the TFLite converter writes it */
  function int8Model(): Uint8Array {
    const m = new TflBuilder();
    const x = m.input('x', [1, 7, 7, 3]);
    const sIn = 1 / 127;
    const xq = m.tensor('x_q', [1, 7, 7, 3], TensorType.INT8, undefined, { scale: [sIn], zeroPoint: [0], dim: 0 });
    m.op('QUANTIZE', [x], [xq]);
    const sw = [...rand(4, 20, 0.002, 0.004)];
    const wq = Int8Array.from(rand(108, 21, -127, 127), Math.round);
    const w = m.tensor('w_q', [4, 3, 3, 3], TensorType.INT8, new Uint8Array(wq.buffer), { scale: sw, zeroPoint: [0, 0, 0, 0], dim: 0 });
    const bq = Int32Array.from(rand(4, 22, -2000, 2000), Math.round);
    const b = m.tensor('b_q', [4], TensorType.INT32, new Uint8Array(bq.buffer), { scale: sw.map((s) => s * sIn), zeroPoint: [0, 0, 0, 0], dim: 0 });
    const yq = m.tensor('y_q', [1, 4, 4, 4], TensorType.INT8, undefined, { scale: [0.01], zeroPoint: [-3], dim: 0 });
    m.op('CONV_2D', [xq, w, b], [yq], OptType.Conv2D, [
      B(Opt.Conv2D.padding, Padding.SAME),
      C(Opt.Conv2D.strideW, 2),
      C(Opt.Conv2D.strideH, 2),
      B(Opt.Conv2D.act, Activation.RELU),
    ]);
    const y = m.tensor('y', [1, 4, 4, 4]);
    m.op('DEQUANTIZE', [yq], [y]);
    m.outputs = [y];
    return m.finish();
  }

  it('is imported as float with its weight scales and follows TFLite within quantization error', async () => {
    const bytes = int8Model();
    const loaded = loadModelBytes(bytes, 'int8.tflite');
    const x = rand(147, 23);
    const session = await ort.InferenceSession.create(loaded.bytes);
    const got = (await session.run({ x: new ort.Tensor('float32', x, [1, 7, 7, 3]) }))['y']!.data as Float32Array;
    const ref = (await runTflite(bytes, [x]))[0]!.data;
    let diff = 0;
    for (let j = 0; j < got.length; j++) diff = Math.max(diff, Math.abs(got[j]! - ref[j]!));
    // the float import skips the input/output rounding: a few output steps (0.01) apart at most
    expect(diff).toBeLessThan(0.03);
    expect(Math.max(...ref)).toBeGreaterThan(0.3);
  }, 120_000);
});

describe('TFLite import errors', () => {
  it('names an unsupported op and its output tensor', () => {
    const m = new TflBuilder();
    const x = m.input('x', [1, 4, 4, 4]);
    const y = m.tensor('to_depth', [1, 2, 2, 16]);
    m.op('SPACE_TO_DEPTH', [x], [y]);
    m.outputs = [y];
    expect(() => loadModelBytes(m.finish(), 'm.tflite')).toThrow(
      "m.tflite: TFLite operator #0 SPACE_TO_DEPTH (output tensor 'to_depth'): TFLite op SPACE_TO_DEPTH is not supported by the importer",
    );
  });

  it('names an unknown custom op', () => {
    const m = new TflBuilder();
    const x = m.input('x', [1, 4]);
    const y = m.tensor('y', [1, 4]);
    m.custom('MyCustomOp', [x], [y]);
    m.outputs = [y];
    expect(() => loadModelBytes(m.finish(), 'c.tflite')).toThrow(
      "c.tflite: TFLite operator #0 CUSTOM (output tensor 'y'): TFLite custom op 'MyCustomOp' is not supported by the importer",
    );
  });

  it('a truncated file is an invalid TFLite model, not a crash', () => {
    const bytes = buildModel();
    expect(() => loadModelBytes(bytes.subarray(0, 200), 't.tflite')).toThrow(/^t\.tflite: not a valid TFLite model/);
  });
});
