/** model.graph and model.size: the worker-side computations on a model file, and bad input through the dispatcher. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src-main/app/app-service.js';
import { createDispatcher } from '../../src-main/app/dispatch.js';
import { modelGraph, modelSize } from '../../src-main/app/model-views.js';
import { tinyModelBytes } from '../helpers/native-models.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-model-views-'));
const model = path.join(dir, 'tiny.onnx');
fs.writeFileSync(model, tinyModelBytes());
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('worker side', () => {
  it('model.graph: every node placed, edges with routes; folded on request', () => {
    const g = modelGraph({ model, collapse: false });
    expect(g.nodes.length).toBe(14);
    expect(g.graphNodes).toBe(14);
    expect(g.collapsed).toBe(false);
    for (const n of g.nodes) expect(Number.isFinite(n.x) && Number.isFinite(n.y)).toBe(true);
    for (const e of g.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
    const f = modelGraph({ model, collapse: true });
    expect(f.nodes.length).toBe(11);
    expect(f.graphNodes).toBe(14);
  });

  it('model.size: the same activations on every target, the workspace growing with the threads', () => {
    const s = modelSize({
      model,
      targets: [
        { target: 'host', threads: 2 },
        { target: 'ARM board', threads: 4 },
      ],
    });
    // tiny: 8*27+8 + 6*8+6 + 6*72+6 + 12*4+12 + 10*108+10 + 5*10+5 floats (the Clip bounds are fused away)
    expect(s.weights.fp32).toBe((224 + 54 + 438 + 60 + 1090 + 55) * 4);
    expect(s.weights.int8).toBeLessThan(s.weights.fp32 / 3);
    expect(s.targets.map((t) => t.target)).toEqual(['host', 'ARM board']);
    expect(s.targets[0]!.activationBytes).toBe(s.activationPeak.bytes);
    expect(s.targets[1]!.activationBytes).toBe(s.activationPeak.bytes);
    expect(s.targets[1]!.workspaceBytes).toBeGreaterThan(s.targets[0]!.workspaceBytes);
    expect(s.targets[0]!.totalBytes).toBe(s.targets[0]!.activationBytes + s.targets[0]!.workspaceBytes);
  });
});

describe('through the dispatcher', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-model-views-app-'));
  const svc = new AppService({ dataRoot: root, mode: 'web' });
  const call = createDispatcher(svc);
  afterAll(async () => {
    await svc.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('names what is wrong: unknown project, a project without a model, bad parameters', async () => {
    expect(await call('model.graph', { projectId: 'nope' })).toMatchObject({ ok: false, error: { code: 'user_error' } });
    const p = svc.store.createProject('empty');
    expect(await call('model.size', { projectId: p.id })).toEqual({ ok: false, error: { code: 'user_error', message: 'this project has no model yet' } });
    expect(await call('model.graph', { projectId: p.id, collapse: 'yes' })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/^invalid parameters for model.graph: collapse/) },
    });
  });

  it('lays a model out once (in a worker), then answers from the cache until the file changes', async () => {
    const p = svc.store.createProject('tiny');
    svc.store.setProjectModel(p.id, model, null, 'x'.repeat(64));
    const a = await svc.modelGraph(p.id, false);
    expect(a.nodes.length).toBe(14);
    expect(await svc.modelGraph(p.id, false)).toBe(a);
    expect((await svc.modelGraph(p.id, true)).nodes.length).toBe(11);
    fs.utimesSync(model, new Date(), new Date(Date.now() + 5000));
    const b = await svc.modelGraph(p.id, false);
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
    const size = await svc.modelSize(p.id);
    expect(size.runId).toBeNull();
    expect(size.eqmActual).toEqual([]);
    expect(size.targets.map((t) => t.target)).toEqual(['host', 'ARM board']);
    expect(size.targets[1]!.threads).toBe(4);
  });
});
