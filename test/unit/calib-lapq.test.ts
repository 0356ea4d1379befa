/**
 * LAPQ on a tiny synthetic classifier (conv → relu → conv → global pool → flatten, 10 classes)
 * with the TypeScript integer reference: the joint search lowers the output loss below its
 * start and never goes up, a cancel leaves a checkpoint with the best scales so far, and a
 * resumed run goes on from them. Plus the pure parts: parameters, their application, losses.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src-main/pipeline/calib/calibrate.js';
import { CalibrationCancelled } from '../../src-main/pipeline/calib/sequential.js';
import { parseCalibSettings } from '../../src-main/core/calib/settings.js';
import { applyLapq, defaultLapqLoss, LAPQ_MAX_MULTIPLIER, lapqImageLoss, lapqParams } from '../../src-main/core/calib/lapq.js';
import { lapqEvaluator } from '../../src-main/engines/lapq-evaluator.js';
import { lowerToIntProgram, type WeightCache } from '../../src-main/core/engine/lower.js';
import { compileEqm } from '../../src-main/core/eqm/write-eqm.js';
import { readLapqCheckpoint } from '../../src-main/io/lapq-checkpoint.js';
import { runFingerprint } from '../../src-main/io/checkpoint.js';
import { loadModelBytes } from '../../src-main/core/graph/load.js';
import { planQuantization } from '../../src-main/core/quant/plan.js';
import type { ScaleTable } from '../../src-main/core/quant/scale-table.js';
import type { ProgressEvent } from '../../src-main/core/calib/progress.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';

const DIMS = [1, 3, 8, 8];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-lapq-'));

function tinyModel() {
  const r = rng(5);
  const bytes = buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'W1', 'B1'], outputs: ['c1'], name: 'conv1', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { op: 'Conv', inputs: ['r1', 'W2', 'B2'], outputs: ['c2'], name: 'conv2', attrs: { kernel_shape: [1, 1] } },
      { op: 'GlobalAveragePool', inputs: ['c2'], outputs: ['g'] },
      { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
    ],
    inputs: [{ name: 'x', dims: DIMS }],
    outputs: [{ name: 'y', dims: [1, 10] }],
    initializers: { W1: randomTensor([8, 3, 3, 3], r, 0.6), B1: randomTensor([8], r, 0.1), W2: randomTensor([10, 8, 1, 1], r, 0.8), B2: randomTensor([10], r, 0.2) },
  });
  return loadModelBytes(bytes, 'tiny.onnx');
}

function samples(n: number): Float32Array[] {
  const r = rng(9);
  // heavy-tailed inputs: MinMax clips too little, so there is room to improve
  return Array.from({ length: n }, () => {
    const x = randomTensor(DIMS, r, 1).data as Float32Array;
    for (let i = 0; i < x.length; i += 37) x[i]! *= 8;
    return x;
  });
}

// MinMax start: these tests are about the search (the Lp start: calib-lp-start.test.ts)
const base = { method: 'lapq', bits: 4, accel: 'ts', lapqIters: 2, lapqInit: 'minmax' } as const;

async function lossOf(table: ScaleTable): Promise<number> {
  const m = tinyModel();
  const ev = await lapqEvaluator(m, planQuantization(m.graph), samples(8), DIMS, 'kl', { accel: 'ts', threads: 1, warn: () => {} });
  return ev.loss(table);
}

describe('LAPQ parameters and losses', () => {
  const table = {
    tensors: { a: 2, b: 2, c: 5 },
    layers: [{ name: 'L', input: 'b', inputScale: 2, weightScales: [1, 4] }],
  } as unknown as ScaleTable;

  // a → MaxPool → b (tied); c has its own scale; d has c's value but no link to it
  const graph = {
    nodes: [
      { name: 'p', op: 'MaxPool', domain: '', inputs: ['a'], outputs: ['b'], attrs: {} },
      { name: 'q', op: 'Conv', domain: '', inputs: ['b', 'W'], outputs: ['c'], attrs: {} },
    ],
  };

  it('tensors tied by a range-preserving op share a parameter; weights get one multiplier per layer', () => {
    const p = lapqParams(table, true, graph);
    expect(p.classes).toEqual([['a', 'b'], ['c']]);
    expect(p.weightLayers).toEqual(['L']);
    const t = applyLapq(table, p, [Math.log(2), 0, Math.log(0.5)]);
    expect(t.tensors).toEqual({ a: 4, b: 4, c: 5 });
    expect(t.layers[0]!.inputScale).toBe(4);
    expect(t.layers[0]!.weightScales).toEqual([0.5, 2]);
    expect(() => applyLapq(table, p, [0])).toThrow(/1 parameters given, the table has 3/);
    // a line search that keeps expanding (a flat, slowly falling loss) cannot overflow a scale:
    // multipliers stop at 1e±6 (MobileNet INT5 from MinMax failed with 'invalid scale Infinity')
    const far = applyLapq(table, p, [500, 0, -500]);
    expect(far.tensors['a']).toBe(Math.fround(2 * LAPQ_MAX_MULTIPLIER));
    expect(far.layers[0]!.weightScales).toEqual([Math.fround(1 / LAPQ_MAX_MULTIPLIER), Math.fround(4 / LAPQ_MAX_MULTIPLIER)]);
    expect(applyLapq(table, p, [500, 0, 0]).tensors).toEqual(applyLapq(table, p, [Math.log(LAPQ_MAX_MULTIPLIER), 0, 0]).tensors);
    expect(lapqParams(table, false, graph).size).toBe(2);
    // equal scales without a link stay separate (every ReLU6 output under MinMax has qmax/6)
    const twins = { ...table, tensors: { a: 2, b: 2, c: 5, d: 5 } } as ScaleTable;
    expect(lapqParams(twins, false, graph).classes).toEqual([['a', 'b'], ['c'], ['d']]);
    expect(lapqParams(twins, false, { nodes: [] }).size).toBe(4);
  });

  it('losses: KL is 0 for equal outputs and positive otherwise; MSE is relative', () => {
    const z = Float32Array.from([1, 2, 3]);
    expect(lapqImageLoss('kl', [z], [z])).toBeCloseTo(0, 12);
    expect(lapqImageLoss('kl', [z], [Float32Array.from([3, 2, 1])])).toBeGreaterThan(0.5);
    const p = Float32Array.from([0.5, 0.5]);
    expect(lapqImageLoss('kl', [p], [Float32Array.from([0.25, 0.75])], true)).toBeCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(0.5 / 0.75), 9);
    expect(lapqImageLoss('mse', [Float32Array.from([2, 0])], [Float32Array.from([1, 0])])).toBeCloseTo(0.25, 12);
    // probabilities are compared as centred logits: softmax([0, 2]) vs softmax([0, 1]) → (±1, ±0.5)
    const sm = (z: number[]) => Float32Array.from(z.map((v) => Math.exp(v) / z.reduce((a, u) => a + Math.exp(u), 0)));
    expect(lapqImageLoss('mse', [sm([0, 2])], [sm([0, 1])], true)).toBeCloseTo(0.5 / 2, 5);
    expect(defaultLapqLoss([[1, 1000]])).toBe('kl');
    expect(defaultLapqLoss([[1, 1000, 1, 1]])).toBe('kl');
    expect(defaultLapqLoss([[1, 4, 8, 8]])).toBe('mse');
    expect(
      defaultLapqLoss([
        [1, 10],
        [1, 4],
      ]),
    ).toBe('mse');
  });
});

describe('LAPQ on a tiny network', () => {
  it('lowers the output loss from its MinMax start, monotonically', async () => {
    const events: ProgressEvent[] = [];
    const model = tinyModel();
    const res = await calibrate(model, samples(8), DIMS, parseCalibSettings(base), { onProgress: (e) => events.push(e), warn: () => {} });
    const start = await calibrate(model, samples(8), DIMS, parseCalibSettings({ ...base, method: 'minmax' }), { warn: () => {} });
    expect(res.table.method).toBe('lapq');
    const s = res.table.settings;
    expect(s['lapqLossUsed']).toBe('kl');
    expect(s['lapqLossStart']).toBeCloseTo(await lossOf(start.table), 12);
    expect(await lossOf(res.table)).toBeCloseTo(s['lapqLossEnd'] as number, 12);
    expect(s['lapqLossEnd'] as number).toBeLessThan((s['lapqLossStart'] as number) * 0.9);
    // the best loss shown in the progress never goes up
    const shown = events.filter((e) => e.name.startsWith('LAPQ')).map((e) => Number(/loss (\S+)/.exec(e.name)![1]));
    expect(shown.length).toBeGreaterThan(5);
    for (let i = 1; i < shown.length; i++) expect(shown[i]!).toBeLessThanOrEqual(shown[i - 1]!);
    // a per-layer method's scales.json carries no LAPQ settings
    expect(Object.keys(start.table.settings).some((k) => k.startsWith('lapq'))).toBe(false);
  }, 300_000);

  it('evaluations share the quantized weights of the start table; the compiled model is unchanged', async () => {
    const model = tinyModel();
    const plan = planQuantization(model.graph);
    const start = (await calibrate(model, samples(8), DIMS, parseCalibSettings({ ...base, method: 'minmax' }), { warn: () => {} })).table;
    const params = lapqParams(start, false, model.graph);
    const moved = applyLapq(start, params, new Float64Array(params.size).fill(0.2));
    const cache: WeightCache = new WeakMap();
    const wqOf = (t: ScaleTable, c?: WeightCache) => lowerToIntProgram(model.graph, plan, t, c).ops.flatMap((o) => (o.kind === 'qlinear' ? [o.wq] : []));
    const a = wqOf(start, cache);
    const b = wqOf(moved, cache);
    expect(a.length).toBeGreaterThan(0);
    a.forEach((w, i) => expect(b[i]).toBe(w)); // the same arrays: quantized once
    expect(compileEqm(model.graph, plan, moved, cache)).toEqual(compileEqm(model.graph, plan, moved));
    // weight multipliers make new weightScales arrays: those are quantized anew, not taken from the cache
    const pw = lapqParams(start, true, model.graph);
    const wMoved = applyLapq(start, pw, new Float64Array(pw.size).fill(0.3));
    expect(compileEqm(model.graph, plan, wMoved, cache)).toEqual(compileEqm(model.graph, plan, wMoved));
    expect(wqOf(wMoved, cache)[0]).not.toEqual(a[0]);
  }, 300_000);

  it('a cancelled run leaves its best scales in the checkpoint and a resumed run goes on from them', async () => {
    const model = tinyModel();
    const ckpt = path.join(tmp, 'run.checkpoint.json');
    const settings = parseCalibSettings({ ...base, checkpoint: ckpt });
    let n = 0;
    const stopAt = 12;
    await expect(
      calibrate(model, samples(8), DIMS, settings, { onProgress: (e) => void (e.name.startsWith('LAPQ') && n++), shouldStop: () => n >= stopAt, warn: () => {} }),
    ).rejects.toBeInstanceOf(CalibrationCancelled);
    const plan = planQuantization(model.graph);
    const fp = runFingerprint(model.sha256, samples(8), settings, [...plan.groups.map((g) => g.input), '{}']);
    const saved = readLapqCheckpoint(ckpt, fp);
    if (!saved.ok) throw new Error('no checkpoint after a cancel');
    expect(saved.state.fx).toBeLessThan(saved.state.f0);
    expect(saved.state.evals).toBeLessThanOrEqual(stopAt);
    // the saved point is what the saved scales give
    expect(await lossOf(applyLapq(saved.state.start, lapqParams(saved.state.start, false, model.graph), saved.state.x))).toBeCloseTo(saved.state.fx, 12);

    const warnings: string[] = [];
    const events: string[] = [];
    const res = await calibrate(model, samples(8), DIMS, parseCalibSettings({ ...base, checkpoint: ckpt, resume: true }), {
      warn: (m) => warnings.push(m),
      onProgress: (e) => events.push(`${e.stage} ${e.name}`),
    });
    expect(warnings.some((w) => /resuming from checkpoint .*LAPQ start decided/.test(w))).toBe(true);
    // no per-layer start again: only LAPQ evaluations, counted on from the checkpoint
    expect(events.every((e) => e.startsWith('search LAPQ'))).toBe(true);
    expect(events[0]).toMatch(new RegExp(`evaluation ${saved.state.evals + 1}\\)`));
    expect(res.table.settings['lapqLossStart']).toBe(saved.state.f0);
    expect(res.table.settings['lapqLossEnd'] as number).toBeLessThanOrEqual(saved.state.fx);
    expect(fs.existsSync(ckpt)).toBe(false);
  }, 300_000);
});
