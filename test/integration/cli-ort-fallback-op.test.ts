/**
 * An op without a TypeScript kernel (Erf) between two Convs, through the CLI: inspect lists it as
 * FP32, calibrate and eval (int-ref and ort-qdq) run it through onnxruntime, and compile refuses
 * because the native runtime has no kernel for it, naming the node.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy } from '../../src-main/io/data/npy.js';
import { runCli } from '../helpers/cli.js';
import { buildModel, randomTensor, rng } from '../helpers/onnx-build.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-ortop-'));
const model = path.join(tmp, 'erf.onnx');
const data = path.join(tmp, 'data');
const r = rng(7);
fs.writeFileSync(
  model,
  buildModel({
    nodes: [
      { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Erf', inputs: ['c1'], outputs: ['e'], name: 'the_erf' },
      { op: 'Conv', inputs: ['e', 'w2'], outputs: ['y'] },
    ],
    inputs: [{ name: 'x', dims: [1, 2, 5, 5] }],
    outputs: [{ name: 'y' }],
    initializers: { w1: randomTensor([4, 2, 3, 3], r), b1: randomTensor([4], r), w2: randomTensor([3, 4, 1, 1], r) },
  }),
);
fs.mkdirSync(data);
for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(data, `s${i}.npy`), encodeNpy([1, 2, 5, 5], randomTensor([1, 2, 5, 5], rng(100 + i)).data as Float32Array));

describe('an op without a TS kernel stays FP32 through onnxruntime', () => {
  it('inspect, calibrate, eval (int-ref, ort-qdq) work; compile refuses naming the node', () => {
    const ins = runCli(['inspect', '--model', model]);
    expect(ins.stderr).toBe('');
    expect(ins.stdout).toMatch(/the_erf\s+Erf\s+\[1x4x5x5\]\s+\[1x4x5x5\]\s+fp32/);
    const out = path.join(tmp, 'cal');
    const cal = runCli(['calibrate', '--model', model, '--data', data, '--method', 'minmax', '--calib', '3', '--out', out, '--quiet']);
    expect(cal.code, cal.stderr).toBe(0);
    const scales = path.join(out, 'scales.json');
    for (const engine of ['int-ref', 'ort-qdq']) {
      const ev = runCli(['eval', '--model', model, '--data', data, '--scales', scales, '--engine', engine, '--no-layer-cosine', '--json', '--quiet']);
      expect(ev.code, ev.stderr).toBe(0);
      const y = (JSON.parse(ev.stdout) as { outputs: Record<string, { cosine_mean: number }> }).outputs['y']!;
      expect(y.cosine_mean).toBeGreaterThan(0.999);
    }
    const comp = runCli(['compile', '--model', model, '--scales', scales, '--out', path.join(tmp, 'm.eqm')]);
    expect(comp.code).not.toBe(0);
    expect(comp.stderr).toMatch(/no FP32 kernel for Erf \(1 node: Erf 'the_erf'\)/);
    expect(fs.existsSync(path.join(tmp, 'm.eqm'))).toBe(false);
  });
});
