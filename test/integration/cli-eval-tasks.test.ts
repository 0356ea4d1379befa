/**
 * `easyquant eval` is task-aware: every model gets per-output error against FP32 (cosine, SQNR,
 * max abs error); a detector (ultraface card) gets its boxes matched to the FP32 boxes and no
 * top-1 agreement; a classifier (MNIST card) still reports top-1 and agreement.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cardPath, describeShared, IMAGENET_DIR, MNIST_DIR, modelPath } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-cli-eval-tasks-'));

function json(r: { code: number | null; stdout: string; stderr: string }): Record<string, unknown> {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

type OutErr = { cosine_mean: number; cosine_min: number; sqnr_db: number; max_abs_err: number };

describeShared('CLI eval: a detector (ultraface)', () => {
  const uf = ['--model', modelPath('ultraface_rfb320'), '--card', cardPath('ultraface_rfb320'), '--data', IMAGENET_DIR];
  const scales = path.join(tmp, 'uf', 'scales.json');
  const evalArgs = ['eval', ...uf, '--scales', scales, '--engine', 'int-ref', '--limit', '8', '--no-layer-cosine', '--quiet'];

  beforeAll(() => {
    const r = runCli(['calibrate', ...uf, '--method', 'minmax', '--calib', '4', '--out', path.join(tmp, 'uf'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('JSON: per-output metrics for scores and boxes, boxes vs FP32, agreement null with a note', () => {
    const r = json(runCli([...evalArgs, '--json']));
    expect(r['images']).toBe(8);
    const outs = r['outputs'] as Record<string, OutErr>;
    expect(Object.keys(outs).sort()).toEqual(['boxes', 'scores']);
    for (const o of Object.values(outs)) {
      expect(o.cosine_min).toBeGreaterThan(0.99);
      expect(o.cosine_mean).toBeGreaterThanOrEqual(o.cosine_min);
      expect(o.cosine_mean).toBeLessThanOrEqual(1);
      expect(o.sqnr_db).toBeGreaterThan(25);
      expect(o.max_abs_err).toBeGreaterThan(0);
      expect(o.max_abs_err).toBeLessThan(1);
    }
    expect(r['agreement']).toBeNull();
    expect(r['agreement_note']).toMatch(/not a classifier/);
    expect(r['top1']).toBeNull();
    const d = r['detection'] as Record<string, number | string>;
    expect(d).toMatchObject({ scores_output: 'scores', boxes_output: 'boxes', score_threshold: 0.7, nms_iou: 0.3, match_iou: 0.5 });
    const { matched, predicted_boxes: p, reference_boxes: g } = d as Record<string, number>;
    expect(g).toBeGreaterThan(0);
    expect(matched).toBeLessThanOrEqual(Math.min(p!, g!));
    expect(d['precision']).toBeCloseTo(p ? matched! / p : 1, 10);
    expect(d['recall']).toBeCloseTo(matched! / g!, 10);
    expect(r['detection_note']).toBeNull();
  });

  it('table: per-output rows and the box match, no top-1 agreement', () => {
    const t = runCli(evalArgs);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/^output\s+cosine mean\s+cosine min\s+SQNR dB\s+max abs err$/m);
    expect(t.stdout).toMatch(/^scores\s+0\.99\d+\s+0\.99\d+\s+\d+\.\d\s+/m);
    expect(t.stdout).toMatch(/^boxes\s+0\.99\d+\s+0\.99\d+\s+\d+\.\d\s+/m);
    expect(t.stdout).toMatch(
      /boxes vs FP32 \(score >= 0\.7, NMS IoU 0\.3, match IoU >= 0\.5\): \d+ of \d+ quantized \/ \d+ FP32 boxes matched\s+precision [\d.]+%\s+recall [\d.]+%\s+F1 [\d.]+%/,
    );
    expect(t.stdout).not.toMatch(/agreement/i);
    expect(t.stdout).not.toMatch(/top-1 [\d-]/);
  });
});

describeShared('CLI eval: a classifier (MNIST)', () => {
  const mnist = ['--model', modelPath('mnist'), '--card', cardPath('mnist'), '--data', MNIST_DIR];
  const scales = path.join(tmp, 'mnist', 'scales.json');

  beforeAll(() => {
    const r = runCli(['calibrate', ...mnist, '--method', 'minmax', '--calib', '10', '--out', path.join(tmp, 'mnist'), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('still reports top-1 and agreement, plus the per-output metrics; no detection', () => {
    const args = ['eval', ...mnist, '--scales', scales, '--engine', 'int-ref', '--limit', '20', '--quiet'];
    const r = json(runCli([...args, '--json']));
    expect(r['top1'] as number).toBeGreaterThan(0.9);
    expect(r['agreement'] as number).toBeGreaterThan(0.9);
    expect(r['agreement_note']).toBeNull();
    const o = (r['outputs'] as Record<string, OutErr>)['Plus214_Output_0']!;
    expect(o.cosine_min).toBeGreaterThan(0.9);
    expect(o.sqnr_db).toBeGreaterThan(10);
    expect(r['detection']).toBeNull();
    expect(r['detection_note']).toBeNull();
    const t = runCli(args);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/top-1 [\d.]+%\s+top-5 [\d.]+%\s+agreement with FP32 [\d.]+%/);
    expect(t.stdout).toMatch(/^Plus214_Output_0\s+0\.9\d+/m);
  });

  it('FP32 engine: no agreement and no per-output metrics (it is the reference), each with a note', () => {
    const r = json(runCli(['eval', ...mnist, '--limit', '5', '--quiet', '--json']));
    expect(r['agreement']).toBeNull();
    expect(r['agreement_note']).toBe('n/a: the FP32 engine is the reference');
    expect(r['outputs']).toEqual({});
    expect(r['outputs_note']).toBe('n/a: the FP32 engine is the reference');
  });
});
