/**
 * The app service through the web server on real MNIST data: project, dataset, calibration
 * runs in worker threads (with progress events), evaluation, histogram, exports, cancel and
 * resume — and the UI-freeze check: the server keeps answering pings quickly throughout a
 * calibration.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppEvent, RunInfo } from '../../src-main/contract/app-types.js';
import { readScalesJson } from '../../src-main/io/scales-json.js';
import { serveApp, type RunningApp } from '../../src-main/server/serve.js';
import { cardPath, describeShared, MNIST_DIR, modelPath } from '../helpers/shared.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-flow-'));
let app: RunningApp;

function post(method: string, params: unknown): Promise<{ status: number; body: { result?: unknown; error?: { message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: app.server.port, path: '/api/call', method: 'POST', headers: { 'content-type': 'application/json', 'x-easyquant-token': app.server.token } },
      (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(b) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ method, params }));
  });
}
async function call<T>(method: string, params: unknown): Promise<T> {
  const r = await post(method, params);
  if (r.status !== 200) throw new Error(`${method}: ${r.status} ${r.body.error?.message}`);
  return r.body.result as T;
}
function ping(): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: app.server.port, path: '/api/ping', headers: { 'x-easyquant-token': app.server.token } }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - t0));
      })
      .on('error', reject);
  });
}
/** Events travel over the WebSocket, so they can arrive a moment after the store shows the result. */
async function eventually(pred: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return pred();
}

async function waitRun(runId: string): Promise<RunInfo> {
  for (;;) {
    const run = app.service.store.getRun(runId);
    if (run.status !== 'running') return run;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const settings = (method: string, bits: number, calibImages = 20) => ({
  method,
  bits,
  alpha: 0.5,
  beta: 2,
  steps: 100,
  rounds: 1,
  samplePositions: 64,
  percentile: 99.99,
  calibImages,
  threads: 1,
});

describeShared('app service over the web server (MNIST)', () => {
  let projectId = '';
  const events: AppEvent[] = [];
  let ws: WebSocket;

  beforeAll(async () => {
    app = await serveApp({ dataDir: path.join(root, 'data'), build: false, rendererDir: root });
    ws = new WebSocket(`ws://127.0.0.1:${app.server.port}/api/ws?token=${app.server.token}`);
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.event) events.push(m.event);
    });
    await new Promise((r) => ws.on('open', r));
  });
  afterAll(async () => {
    ws.close();
    await app.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('creates a project, inspects the model and sets the data', async () => {
    const p = await call<{ id: string; modelSha256: string; cardPath: string }>('projects.create', { name: 'digits', model: modelPath('mnist') });
    projectId = p.id;
    expect(p.cardPath).toBe(cardPath('mnist')); // found beside the model
    const m = await call<{ quantizedLayers: number; macs: number; layers: { op: string; quantized: boolean; reason: string }[] }>('model.inspect', { projectId });
    expect(m.quantizedLayers).toBe(3);
    expect(m.macs).toBe(786560);
    expect(m.layers.filter((l) => l.quantized).map((l) => l.op)).toEqual(['Conv+Relu', 'Conv+Relu', 'Gemm']);
    const d = await call<{ kind: string; samples: number; labelled: number }>('data.set', { projectId, dataDir: MNIST_DIR });
    expect(d).toMatchObject({ kind: 'mnist', samples: 10000, labelled: 10000 });
    const pv = await call<{ png: string; width: number; height: number; label: number; max: number }>('data.preview', { projectId, index: 0 });
    expect(pv).toMatchObject({ width: 28, height: 28, label: 7, max: 255 });
    expect(pv.png.startsWith('data:image/png;base64,')).toBe(true);
  });

  it('bad inputs give specific messages and leave the project usable', async () => {
    const notOnnx = path.join(root, 'notes.onnx');
    fs.writeFileSync(notOnnx, 'this is text, not a model');
    expect((await post('projects.create', { name: 'bad', model: notOnnx })).body.error!.message).toBe(
      'notes.onnx is not an ONNX model (the file could not be decoded as ONNX protobuf)',
    );
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    expect((await post('data.set', { projectId, dataDir: empty })).body.error!.message).toBe(`no images (.jpg, .jpeg, .png, .webp) or MNIST idx files found in ${empty}`);
    expect((await post('calib.start', { projectId, settings: { ...settings('eq', 8), beta: 0.4 } })).body.error!.message).toMatch(/β \(0.4\) must be greater than α \(0.5\)/);
    expect((await post('calib.start', { projectId, settings: settings('eq', 8, 20000) })).body.error!.message).toMatch(/the dataset has 10000 images/);
    const detail = await call<{ dataset: { samples: number } }>('projects.get', { projectId });
    expect(detail.dataset.samples).toBe(10000); // the empty folder did not replace the dataset
  });

  it('a calibration runs in a worker: the server keeps answering pings meanwhile', { timeout: 900_000 }, async () => {
    const run = await call<RunInfo>('calib.start', { projectId, settings: settings('eq', 8, 1000) });
    expect(run.status).toBe('running');
    const lat: number[] = [];
    while (app.service.store.getRun(run.id).status === 'running') {
      lat.push(await ping());
      await new Promise((r) => setTimeout(r, 20));
    }
    const done = await waitRun(run.id);
    expect(done.status).toBe('done');
    expect(lat.length).toBeGreaterThanOrEqual(5);
    console.log(
      `[ping] ${lat.filter((x) => x < 100).length}/${lat.length} under 100 ms; ${lat.length} pings during a ${done.seconds!.toFixed(1)} s EQ calibration: max ${Math.max(...lat).toFixed(1)} ms, median ${lat.sort((a, b) => a - b)[lat.length >> 1]!.toFixed(1)} ms`,
    );
    // A calibration on the server's thread would block the pings for whole layer searches, i.e. a
    // large part of the run. Bounds relative to the run's own duration hold on a loaded machine
    // too (where everything, the calibration included, slows down alike): the slowest ping under
    // a quarter of the run, the median under 1/20.
    const runMs = done.seconds! * 1000;
    expect(Math.max(...lat)).toBeLessThan(runMs / 4);
    expect(lat[lat.length >> 1]!).toBeLessThan(runMs / 20);
    expect(done.layers.map((l) => l.name)).toEqual(['Convolution28', 'Convolution110', 'Times212']);
    for (const l of done.layers) expect(l.cosAfter!).toBeGreaterThanOrEqual(l.cosBefore!);
    const layerEvents = events.filter((e) => e.type === 'run.progress' && e.runId === run.id && e.layer);
    // one event per layer and phase (weights, then activations), each with its cosines
    expect(layerEvents.length).toBeGreaterThanOrEqual(3);
    expect([...new Set(layerEvents.map((e) => (e.type === 'run.progress' ? e.layer!.name : '')))]).toEqual(['Convolution28', 'Convolution110', 'Times212']);
    expect(await eventually(() => events.some((e) => e.type === 'run.finished' && e.runId === run.id && e.status === 'done'))).toBe(true);
    const table = readScalesJson(path.join(done.artifactDir, 'scales.json'));
    expect(table.method).toBe('eq');
    expect(table.bits).toBe(8);
  });

  it('cancel stops a run (no half-written artifacts) and resume completes it', { timeout: 900_000 }, async () => {
    const run = await call<RunInfo>('calib.start', { projectId, settings: settings('eq', 7, 1000) });
    // wait for the first layer to finish, then cancel
    while (!app.service.store.getRun(run.id).layers.length && app.service.store.getRun(run.id).status === 'running') await new Promise((r) => setTimeout(r, 20));
    await call('calib.cancel', { runId: run.id });
    const c = await waitRun(run.id);
    expect(c.status).toBe('cancelled');
    expect(c.error).toBe('cancelled by the user');
    expect(fs.existsSync(c.artifactDir)).toBe(false);
    expect(fs.readdirSync(path.dirname(c.artifactDir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const r = await call<RunInfo>('calib.resume', { runId: run.id });
    expect(r.attempts).toBe(2);
    const d = await waitRun(run.id);
    expect(d.status).toBe('done');
    expect(readScalesJson(path.join(d.artifactDir, 'scales.json')).bits).toBe(7);
  });

  it('evaluates FP32 and every run, draws a histogram with thresholds and exports', { timeout: 900_000 }, async () => {
    const kl = await call<RunInfo>('calib.start', { projectId, settings: settings('kl', 8) });
    await waitRun(kl.id);
    const results = await call<{ label: string; top1: number; agreement: number | null; images: number; layerCosine: Record<string, number> }[]>('results.evaluate', {
      projectId,
      limit: 200,
    });
    expect(results.map((r) => r.label)).toEqual(['FP32', 'EQ INT8', 'EQ INT7', 'KL INT8']);
    for (const r of results) {
      expect(r.images).toBe(200);
      expect(r.top1).toBeGreaterThan(0.95);
    }
    expect(results[0]!.agreement).toBeNull();
    expect(Object.keys(results[1]!.layerCosine)).toEqual(['Convolution28', 'Convolution110', 'Times212']);
    const h = await call<{ counts: number[]; max: number; thresholds: { label: string; threshold: number }[] }>('results.histogram', { projectId, layer: 'Convolution110' });
    expect(h.counts).toHaveLength(128);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(20 * 8 * 14 * 14); // 20 images x the layer's input [1,8,14,14]
    expect(h.thresholds.map((t) => t.label)).toEqual(['EQ INT8', 'EQ INT7', 'KL INT8']);
    for (const t of h.thresholds) expect(t.threshold).toBeGreaterThan(0);
    const runs = app.service.store.listRuns(projectId);
    const ex = await call<{ format: string; path: string }[]>('exports.create', { projectId, runId: runs[0]!.id, formats: ['scales', 'ncnn', 'trt', 'qdq', 'eqm'] });
    expect(ex.map((e) => e.format).sort()).toEqual(['eqm', 'ncnn', 'qdq', 'scales', 'trt']);
    for (const e of ex) expect(fs.statSync(e.path).size).toBeGreaterThan(0);
    expect(
      fs
        .readFileSync(ex.find((e) => e.format === 'eqm')!.path)
        .subarray(0, 3)
        .toString(),
    ).toBe('EQM');
  });

  it('web mode refuses to store device secrets; an unreachable device gets a specific message', async () => {
    const r = await post('devices.add', { name: 'pw-board', config: { transport: 'ssh', host: '127.0.0.1', port: 22, user: 'root' }, secret: 'hunter2' });
    expect(r.body.error!.message).toMatch(/web mode does not store passwords/);
    // a port nobody listens on: find one by binding and closing
    const port = await new Promise<number>((resolve) => {
      const s = http.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const dev = await call<{ id: string }>('devices.add', { name: 'gone', config: { transport: 'ssh', host: '127.0.0.1', port, user: 'root' } });
    const t = await call<{ ok: boolean; message: string }>('devices.test', { deviceId: dev.id });
    expect(t).toEqual({ ok: false, message: `connection refused by 127.0.0.1:${port} (no SSH server listening on that port)` });
  });
});
