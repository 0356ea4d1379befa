/**
 * The host benchmark behind bench.host on MNIST: which engines it times (the chosen run, the
 * latest run at the other bit width, onnxruntime FP32), one per-layer row per quantized layer
 * with a time for each native run, the load note, and clear errors for wrong runs. Also
 * projects.setModel (the Model page's "Another model"), which needs the same fixture.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDispatcher } from '../../src-main/app/dispatch.js';
import { AppService } from '../../src-main/app/app-service.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import type { CalibSettingsForm, HostBenchInfo } from '../../src-main/contract/app-types.js';
import { cardPath, describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-hostbench-'));
let svc: AppService;
let projectId = '';
const runs: Record<number, string> = {};
const base: CalibSettingsForm = {
  method: 'minmax',
  bits: 8,
  alpha: 0.5,
  beta: 2,
  steps: 10,
  rounds: 1,
  samplePositions: 0,
  percentile: 99.99,
  calibImages: 8,
  threads: 1,
  strategy: 'grid',
};

describeShared('host benchmark (bench.host)', () => {
  beforeAll(async () => {
    svc = new AppService({ dataRoot: root, mode: 'web' });
    projectId = (await svc.createProject('hb', modelPath('mnist'), cardPath('mnist'))).id;
    await svc.setDataset(projectId, MNIST_DIR);
    for (const bits of [8, 7]) {
      runs[bits] = svc.startCalibration(projectId, { ...base, bits }).id;
      await svc.idle();
      expect(svc.store.getRun(runs[bits]!).status).toBe('done');
    }
  });
  afterAll(async () => {
    await svc?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it.skipIf(!Runtime.available())('times INT8, INT7 (native) and FP32 (onnxruntime), with a row per quantized layer', async () => {
    const dispatch = createDispatcher(svc);
    const r = await dispatch('bench.host', { projectId, runId: runs[8], runs: 3, warmup: 1 });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const b = (r as { result: HostBenchInfo }).result;
    expect(b.engines.map((e) => e.label)).toEqual(['MinMax INT8 (native)', 'MinMax INT7 (native)', 'FP32 (onnxruntime)']);
    for (const e of b.engines) {
      expect(e.runs).toBe(3);
      expect(e.median_ms).toBeGreaterThan(0);
      expect(e.p90_ms).toBeGreaterThanOrEqual(e.median_ms);
    }
    const summary = await svc.inspect(projectId);
    expect(b.layers.map((l) => l.name)).toEqual(summary.layers.filter((l) => l.quantized).map((l) => l.name));
    for (const l of b.layers) expect(Object.keys(l.ms)).toEqual(['MinMax INT8 (native)', 'MinMax INT7 (native)']);
    expect(b.threads).toBe(1);
    expect(b.load.cores).toBeGreaterThan(0);
    expect(typeof b.load.loaded).toBe('boolean');
  });

  it.skipIf(!Runtime.available())('compare: only what is asked for; the chosen run always', async () => {
    const b = await svc.hostBench({ projectId, runId: runs[7]!, compare: ['int7'], threads: 1, runs: 1, warmup: 0 });
    expect(b.engines.map((e) => e.label)).toEqual(['MinMax INT7 (native)']);
  });

  it('a run of another project, an unknown run and bad counts are clear errors', async () => {
    const other = (await svc.createProject('other', modelPath('mnist'), cardPath('mnist'))).id;
    const dispatch = createDispatcher(svc);
    const a = await dispatch('bench.host', { projectId: other, runId: runs[8] });
    expect(a).toEqual({ ok: false, error: { code: 'user_error', message: `run ${runs[8]} belongs to another project` } });
    const u = await dispatch('bench.host', { projectId, runId: 'r_nope' });
    expect(!u.ok && u.error.message).toMatch(/r_nope/);
    const c = await dispatch('bench.host', { projectId, runId: runs[8], runs: 0 });
    expect(!c.ok && c.error.code).toBe('bad_request');
  });

  it('projects.setModel: replaces the model of a project without runs, refuses one with runs', async () => {
    const fresh = (await svc.createProject('fresh', modelPath('mnist'))).id;
    const dispatch = createDispatcher(svc);
    const ok = await dispatch('projects.setModel', { projectId: fresh, model: modelPath('mnist'), card: cardPath('mnist') });
    expect(ok.ok, JSON.stringify(ok)).toBe(true);
    expect(svc.store.getProject(fresh).cardPath).toBe(cardPath('mnist'));
    const bad = await dispatch('projects.setModel', { projectId: fresh, model: path.join(root, 'none.onnx') });
    expect(!bad.ok && bad.error.message).toBe(`model file not found: ${path.join(root, 'none.onnx')}`);
    const refused = await dispatch('projects.setModel', { projectId, model: modelPath('mnist') });
    expect(!refused.ok && refused.error.message).toBe('this project has 2 calibration run(s) made for its current model; create a new project for another model');
  });
});
