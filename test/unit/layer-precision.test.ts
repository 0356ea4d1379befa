/**
 * Per-layer precision without native code: the map's parsing and errors, the group rule (layers
 * sharing an input take the lowest bits), per-tensor bits through concat/add/pooling, the EQM's
 * per-op qmax byte (round trip, range check), and the scales.json optional fields.
 */
import { expect, it } from 'vitest';
import { calibrate } from '../../src-main/pipeline/calib/calibrate.js';
import { DEFAULT_SETTINGS } from '../../src-main/core/calib/settings.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { lowerToIntProgram } from '../../src-main/core/engine/lower.js';
import { compileEqm } from '../../src-main/core/eqm/write-eqm.js';
import { readEqm } from '../helpers/read-eqm.js';
import { crc32 } from '../../src-main/core/eqm/crc32.js';
import { Section } from '../../src-main/core/eqm/format.js';
import { parseLayerBitsJson, parseLayerBitsSpec } from '../../src-main/core/quant/layer-precision.js';
import { parseScalesJson, writeScalesJson } from '../../src-main/io/scales-json.js';
import { parseTrtCache, trtScaleFromOurs, writeTrtCache } from '../../src-main/core/export/trt-cache.js';
import { buildQdqGraph } from '../../src-main/core/export/qdq-onnx.js';
import { randomInputs, runReference, tinyModelBytes } from '../helpers/native-models.js';

it('parses --layer-bits specs and JSON maps, naming what is wrong', () => {
  expect(parseLayerBitsSpec('conv1=fp32, fire2/squeeze1x1=7,x=int8')).toEqual({ conv1: 'fp32', 'fire2/squeeze1x1': 'int7', x: 'int8' });
  expect(() => parseLayerBitsSpec('conv1')).toThrow(/'conv1' is not layer=fp32\|int8\|int7/);
  expect(() => parseLayerBitsSpec('conv1=4')).toThrow(/layer 'conv1': expected fp32, int8 or int7/);
  expect(parseLayerBitsJson('{"a": 7, "b": "FP32"}', 'm.json')).toEqual({ a: 'int7', b: 'fp32' });
  expect(() => parseLayerBitsJson('[1]', 'm.json')).toThrow(/m.json: expected a JSON object/);
  expect(() => parseLayerBitsJson('{', 'm.json')).toThrow(/m.json: not valid JSON/);
});

it('tiny CNN: FP32 / INT7 / INT8 layers reach the table, the integer program and the EQM', async () => {
  const model = loadModelBytes(tinyModelBytes(), 'tiny.onnx');
  const dims = model.graph.inputs[0]!.dims;
  const xs = randomInputs(dims, 3, 11);
  const settings = { ...DEFAULT_SETTINGS, method: 'minmax' as const, bits: 8 };
  await expect(calibrate(model, xs, dims, settings, { layerPrecision: { relu1: 'int7' } })).rejects.toThrow(/'relu1' is not a quantizable layer/);
  const res = await calibrate(model, xs, dims, settings, { layerPrecision: { conv1: 'int7', conv3: 'int7', conv5: 'fp32' } });
  const bits = Object.fromEntries(res.table.layers.map((l) => [l.name, l.bits ?? 8]));
  // conv2 and conv4 read conv3's input: the group is INT7
  expect(bits).toEqual({ conv1: 7, conv2: 7, conv3: 7, conv4: 7, fc: 8 });
  expect(res.table.tensorBits).toMatchObject({ x: 7, p1: 7 });
  const back = parseScalesJson(writeScalesJson(res.table), 's.json');
  expect(back).toEqual(res.table);

  // TensorRT: each tensor's amax uses its own qmax; QDQ: FP32 layers keep float weights, INT7 inputs clip at 63
  const trt = parseTrtCache(writeTrtCache(back)).scales;
  expect(trt.get('x')).toBe(Math.fround(trtScaleFromOurs(back.tensors['x']!, 63)));
  const qdq = buildQdqGraph(model.graph, back);
  const conv5 = qdq.nodes.find((n) => n.name === 'conv5')!;
  expect(qdq.initializers.get(conv5.inputs[1]!)!.dtype).toBe('float32');
  const clipX = qdq.nodes.find((n) => n.op === 'Clip' && n.inputs[0] === 'x')!;
  expect(qdq.initializers.get(clipX.inputs[2]!)!.data[0]).toBe(Math.fround(63 * Math.fround(1 / back.tensors['x']!)));

  const prog = lowerToIntProgram(model.graph, res.plan, back);
  expect(prog.ops.some((o) => o.kind === 'float' && o.node.name === 'conv5')).toBe(true);
  for (const op of prog.ops) if (op.kind === 'qlinear' && bits[op.name] === 7) expect(Math.max(...Array.from(op.wq, Math.abs))).toBeLessThanOrEqual(63);
  const file = readEqm(compileEqm(model.graph, res.plan, back));
  expect(file.ops.map((o) => o.qmax)).toEqual(prog.ops.map((o) => o.qmax));
  expect(file.ops.find((o) => o.kind === 'quantize')!.qmax).toBe(63);
  // the reference clamps the INT7 tensors at 63, far beyond the calibrated range too
  const loud = xs[0]!.map((v) => v * 20);
  const taps = runReference({ graph: model.graph, prog }, loud, dims).taps;
  expect(taps.size).toBe(5);
});

it('an EQM op qmax byte above 127 is refused with the op named', async () => {
  const model = loadModelBytes(tinyModelBytes(), 'tiny.onnx');
  const dims = model.graph.inputs[0]!.dims;
  const res = await calibrate(model, randomInputs(dims, 2, 3), dims, { ...DEFAULT_SETTINGS, method: 'minmax' as const });
  const bytes = compileEqm(model.graph, res.plan, res.table);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = v.getUint32(8, true);
  let ops = -1;
  for (let k = 0; k < v.getUint32(20, true); k++) if (v.getUint32(32 + 16 * k, true) === Section.OPS) ops = v.getUint32(32 + 16 * k + 4, true);
  expect(bytes[ops + 5]).toBe(0); // uniform: every op at the model's qmax
  bytes[ops + 5] = 200;
  v.setUint32(12, crc32(bytes, headerSize, bytes.length), true);
  v.setUint32(24, 0, true);
  v.setUint32(24, crc32(bytes, 0, headerSize), true);
  expect(() => readEqm(bytes)).toThrow(/op 0: op qmax 200 out of range/);
});
