/**
 * A Conv output channel whose weights are all ~0 (max |w| = 3e-39, a float32 denormal, or
 * exactly 0): calibration gives it a finite positive scale, warns with the layer and channel,
 * every export accepts the table, and the integer engines output the channel's bias, as FP32.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../src-main/pipeline/calib/calibrate.js';
import { DEFAULT_SETTINGS, type CalibSettings } from '../../src-main/core/calib/settings.js';
import { runIntProgram } from '../../src-main/core/engine/int-ref.js';
import { lowerToIntProgram } from '../../src-main/core/engine/lower.js';
import { compileEqm } from '../../src-main/core/eqm/write-eqm.js';
import { parseNcnnTable, writeNcnnTable } from '../../src-main/core/export/ncnn-table.js';
import { exportQdqOnnx } from '../../src-main/core/export/qdq-onnx.js';
import { readScalesJson, writeScalesJson } from '../../src-main/io/scales-json.js';
import { parseTrtCache, writeTrtCache } from '../../src-main/core/export/trt-cache.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import { maxAbsScale } from '../../src-main/core/quant/rounding.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';
import { ensureNativeAddon } from '../helpers/native.js';

const COUT = 4;
const DEAD = 2;
const BIAS = [0.1, -0.2, 0.37, 0.05];
const DIMS = [1, 3, 8, 8];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-dead-'));

function deadModel(deadValue: number): Uint8Array {
  const w = randomTensor([COUT, 3, 3, 3], rng(7), 0.5);
  for (let k = 0; k < 27; k++) w.data[DEAD * 27 + k] = k % 2 ? deadValue : -deadValue;
  const b: Tensor = { dtype: 'float32', dims: [COUT], data: Float32Array.from(BIAS) };
  return buildModel({
    nodes: [{ op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['y'], name: 'conv_dead', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }],
    inputs: [{ name: 'x', dims: DIMS }],
    outputs: [{ name: 'y', dims: [1, COUT, 8, 8] }],
    initializers: { W: w, B: b },
  });
}

function samples(n: number): Float32Array[] {
  const r = rng(11);
  return Array.from({ length: n }, () => randomTensor(DIMS, r, 2).data as Float32Array);
}

/** channel DEAD of an NCHW [1, COUT, 8, 8] output */
const channel = (y: Float32Array) => y.subarray(DEAD * 64, (DEAD + 1) * 64);

describe('near-zero tensors', () => {
  it('an activation with max |x| = 3e-39 gets scale 1, not Infinity', () => {
    expect(maxAbsScale(3e-39, 127)).toBe(1);
    expect(maxAbsScale(0, 127)).toBe(1);
    expect(maxAbsScale(1e-29, 127)).toBeCloseTo(1.27e31, -26);
    expect(Number.isFinite(Math.fround(maxAbsScale(1e-30, 127)))).toBe(true);
  });
});

describe('dead output channels (all weights ~0)', () => {
  beforeAll(() => ensureNativeAddon(), 1_200_000);

  const cases: [string, number, Partial<CalibSettings>][] = [
    ['3e-39, minmax', 3e-39, { method: 'minmax' }],
    ['3e-39, eq (TypeScript search)', 3e-39, { method: 'eq', steps: 9, accel: 'ts' }],
    ['3e-39, eq (native search)', 3e-39, { method: 'eq', steps: 9, accel: 'native', threads: 1 }],
    ['exactly 0, eq', 0, { method: 'eq', steps: 9, accel: 'ts' }],
    ['3e-39, kl', 3e-39, { method: 'kl' }],
  ];

  for (const [name, deadValue, extra] of cases) {
    it(name, { timeout: 600_000 }, async () => {
      const bytes = deadModel(deadValue);
      const file = path.join(tmp, `dead-${deadValue}.onnx`);
      fs.writeFileSync(file, bytes);
      const model = loadModelBytes(bytes, file);
      const warnings: string[] = [];
      const settings: CalibSettings = { ...DEFAULT_SETTINGS, ...extra };
      const xs = samples(4);
      const res = await calibrate(model, xs, DIMS, settings, { warn: (m) => warnings.push(m) });

      // finite positive scales; the dead channel's is the layer's (lower) median live scale
      const ls = res.table.layers.find((l) => l.name === 'conv_dead')!;
      for (const s of ls.weightScales) expect(Number.isFinite(s) && s > 0, `scales ${ls.weightScales}`).toBe(true);
      const live = ls.weightScales.filter((_, c) => c !== DEAD);
      expect(ls.weightScales[DEAD]).toBeGreaterThanOrEqual(Math.min(...live) * 0.5);
      expect(ls.weightScales[DEAD]).toBeLessThanOrEqual(Math.max(...live) * 2);
      expect(warnings.filter((w) => /layer 'conv_dead' \(Conv\): output channel 2 of 4 has all weights ~0/.test(w))).toHaveLength(1);

      // every writer and reader accepts the table
      const sj = path.join(tmp, `scales-${name.replace(/\W+/g, '_')}.json`);
      fs.writeFileSync(sj, writeScalesJson(res.table));
      expect(readScalesJson(sj).layers[0]!.weightScales).toEqual(ls.weightScales);
      expect(parseNcnnTable(writeNcnnTable(res.table)).weights.size).toBeGreaterThan(0);
      parseTrtCache(writeTrtCache(res.table));
      const plan = planQuantization(model.graph);

      // FP32: the channel is its bias; the integer reference, the native runtime and the QDQ export agree
      const x = xs[0]!;
      const fp32 = await ort.InferenceSession.create(bytes);
      const ref = (await fp32.run({ x: new ort.Tensor('float32', x, DIMS) }))['y']!.data as Float32Array;
      for (const v of channel(ref)) expect(v).toBeCloseTo(BIAS[DEAD]!, 6);
      const sa = Math.fround(ls.inputScale);
      const sw = Math.fround(ls.weightScales[DEAD]!);
      const So = res.table.tensors['y'];
      const tol = 0.5 / (sa * sw) + (So ? 0.5 / So : 0) + 1e-6;
      const intRef = runIntProgram(model.graph, lowerToIntProgram(model.graph, plan, res.table), x, DIMS).outputs[0]!.data;
      for (const v of channel(intRef)) expect(Math.abs(v - BIAS[DEAD]!)).toBeLessThanOrEqual(tol);
      const nativeOut = Runtime.load(compileEqm(model.graph, plan, res.table)).run(x, DIMS)[0]!;
      expect(Array.from(channel(nativeOut))).toEqual(Array.from(channel(intRef)));
      const qdq = await ort.InferenceSession.create(exportQdqOnnx(model.graph, res.table));
      const q = (await qdq.run({ x: new ort.Tensor('float32', x, DIMS) }))['y']!.data as Float32Array;
      for (const v of channel(q)) expect(Math.abs(v - BIAS[DEAD]!)).toBeLessThanOrEqual(tol);
      await fp32.release();
      await qdq.release();
    });
  }
});
