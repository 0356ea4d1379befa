/**
 * The Electron IPC entry point under hostile calls. The Electron binary is not available in
 * CI, so this drives the real bridge (electron/ipc-bridge.ts: registration, sender check, size
 * cap, envelope and parameter validation, dispatch to a real AppService) through a fake
 * ipcMain that behaves like Electron's: arguments go through the structured-clone algorithm,
 * an unknown channel has no handler. Special files (FIFO, /dev/zero, a directory), a model
 * file over the size limit, a model over the compute budget, malformed and oversized payloads:
 * each gets a clear error value, nothing throws, and the process keeps answering.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src-main/app/app-service.js';
import { createDispatcher, type DispatchResult } from '../../src-main/app/dispatch.js';
import { registerIpcHandlers } from '../../src-main/electron/ipc-bridge.js';
import { IPC } from '../../src-main/electron/ipc-contract.js';
import { isAppUrl, rendererLocation } from '../../src-main/electron/security.js';
import { readLabels } from '../../src-main/io/data/labels.js';
import { readScalesJson } from '../../src-main/io/scales-json.js';
import { hugePadModel } from '../helpers/huge-pad-model.js';
import { describeShared, IMAGENET_DIR, modelPath } from '../helpers/shared.js';

type Listener = (event: unknown, ...args: unknown[]) => unknown;

/** Electron's ipcMain as the renderer sees it through ipcRenderer.invoke. */
class FakeIpcMain {
  private readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  async invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    return h(event, ...args.map((a) => structuredClone(a)));
  }
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-hostile-ipc-'));
const loc = rendererLocation();
const trusted = { senderFrame: { url: `${loc.appUrl}#/`, parent: null } };
const ipc = new FakeIpcMain();
let svc: AppService;
let sent = 0;
let handlerThrew = 0;
let uncaught = 0;
const onUncaught = () => void uncaught++;

async function call(method: unknown, params: unknown, event: unknown = trusted): Promise<DispatchResult> {
  sent++;
  try {
    return (await ipc.invoke(IPC.call, event, { method, params })) as DispatchResult;
  } catch (e) {
    handlerThrew++;
    throw e;
  }
}

/** An error value with a message matching `want`. */
async function refused(method: unknown, params: unknown, want: RegExp): Promise<string> {
  const r = await call(method, params);
  expect(r.ok, JSON.stringify(r).slice(0, 300)).toBe(false);
  const msg = r.ok ? '' : r.error.message;
  expect(msg).toMatch(want);
  return msg;
}

async function expectAlive(): Promise<void> {
  const r = await call('app.ping', {});
  expect(r.ok).toBe(true);
}

beforeAll(() => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  svc = new AppService({ dataRoot: path.join(root, 'data'), mode: 'desktop' });
  registerIpcHandlers(ipc, {
    dispatch: createDispatcher(svc),
    assertTrustedSender: (e) => {
      const f = (e as typeof trusted).senderFrame;
      if (f.parent !== null || !isAppUrl(f.url, loc)) throw new Error(`IPC refused: untrusted sender ${f.url}`);
    },
    version: () => ({ app: 'test', electron: '-', chrome: '-', node: process.versions.node, platform: process.platform, arch: process.arch }),
  });
});
afterAll(async () => {
  await expectAlive().catch(() => undefined);
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  console.log(`[hostile] ipc: ${sent} requests sent, crashes: ${uncaught + handlerThrew} (uncaught ${uncaught}, handler threw ${handlerThrew})`);
  await svc.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('IPC: special files and huge models', () => {
  const fifo = path.join(root, 'model.fifo');
  const dir = path.join(root, 'a-folder.onnx');
  const sparse = path.join(root, 'huge-file.onnx');
  beforeAll(() => {
    spawnSync('mkfifo', [fifo]);
    fs.mkdirSync(dir);
    fs.writeFileSync(sparse, '');
    fs.truncateSync(sparse, 3 * 1024 ** 3); // 3 GiB, sparse: over the 2 GiB a model file may have
  });

  it('a FIFO, /dev/zero, a folder, a 3 GiB file and a missing file as the model: clear errors', async () => {
    await refused('projects.create', { name: 'p', model: fifo }, /model\.fifo: is a named pipe \(FIFO\), not a model file/);
    await refused('projects.create', { name: 'p', model: '/dev/zero' }, /\/dev\/zero: is a character device, not a model file/);
    await refused('projects.create', { name: 'p', model: dir }, /a-folder\.onnx is a folder; choose the \.onnx file inside it/);
    await refused('projects.create', { name: 'p', model: sparse }, /huge-file\.onnx: the file is 3\.00 GiB, more than the 2 GiB a model file may have/);
    await refused('projects.create', { name: 'p', model: path.join(root, 'missing.onnx') }, /model file not found/);
    expect(svc.listProjects()).toEqual([]);
    await expectAlive();
  });

  describeShared('with a project', () => {
    it('a FIFO or /dev/zero as the model card or the data folder: clear errors, no hang', async () => {
      await refused('projects.create', { name: 'p', model: modelPath('mnist'), card: fifo }, /model\.fifo: is a named pipe \(FIFO\); expected a model card/);
      await refused('projects.create', { name: 'p', model: modelPath('mnist'), card: '/dev/zero' }, /\/dev\/zero: is a character device; expected a model card/);
      const p = await call('projects.create', { name: 'mnist', model: modelPath('mnist') });
      expect(p.ok, JSON.stringify(p)).toBe(true);
      const projectId = (p as { result: { id: string } }).result.id;
      await refused('data.set', { projectId, dataDir: fifo }, /model\.fifo is a file, not a folder/);
      await refused('data.set', { projectId, dataDir: '/dev/zero' }, /\/dev\/zero is a file, not a folder/);
      await expectAlive();
    });

    it('a FIFO or /dev/zero as a labels or scales file is refused before any read', () => {
      for (const f of [fifo, '/dev/zero']) {
        expect(() => readLabels(f)).toThrow(/is (a named pipe \(FIFO\)|a character device), not a labels file/);
        expect(() => readScalesJson(f)).toThrow(/is (a named pipe \(FIFO\)|a character device), not a scales\.json file/);
      }
    });

    it('a model over the compute budget: the project opens, calibration is refused with the figures', async () => {
      const huge = path.join(root, 'huge-pad.onnx');
      fs.writeFileSync(huge, hugePadModel());
      const p = await call('projects.create', { name: 'huge', model: huge });
      expect(p.ok, JSON.stringify(p)).toBe(true);
      const projectId = (p as { result: { id: string } }).result.id;
      const d = await call('data.set', {
        projectId,
        dataDir: IMAGENET_DIR,
        preprocess: { resize: { mode: 'stretch', width: 32, height: 32 }, channelOrder: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], layout: 'NCHW' },
      });
      console.log(`[hostile] huge model data.set: ${JSON.stringify(d).slice(0, 300)}`);
      expect(d.ok).toBe(true);
      const settings = { method: 'eq', bits: 8, alpha: 0.5, beta: 2, steps: 10, rounds: 1, samplePositions: 0, percentile: 99.99, calibImages: 4, threads: 1 };
      const c = await call('calib.start', { projectId, settings });
      console.log(`[hostile] huge model calib.start: ${JSON.stringify(c).slice(0, 300)}`);
      if (c.ok) {
        await svc.idle();
        const run = svc.store.getRun((c.result as { id: string }).id);
        expect(run.status).toBe('failed');
        expect(run.error).toMatch(/1008\.5 G MACs per image exceeds the limit of 200 G/);
      } else expect(c.error.message).toMatch(/1008\.5 G MACs per image exceeds the limit of 200 G/);
      await expectAlive();
    });
  });
});

describe('IPC: malformed, oversized and misdirected calls', () => {
  it('wrong payload shapes are answered, never thrown', async () => {
    const payloads: unknown[] = [
      undefined,
      null,
      42,
      'projects.list',
      [],
      [1, 2],
      { method: 'projects.list' },
      { params: {} },
      { method: '', params: {} },
      { method: 7, params: {} },
      { method: 'x'.repeat(10_000), params: {} },
      { method: 'projects.list', params: {}, extra: 1 },
    ];
    for (const p of payloads) {
      sent++;
      const r = (await ipc.invoke(IPC.call, trusted, p)) as DispatchResult;
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/malformed IPC payload|unknown method|invalid parameters/);
    }
    await expectAlive();
  });

  it('bad parameters: wrong types, extra keys, cycles, Maps, deep nesting', async () => {
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    let deep: unknown = 'x';
    for (let i = 0; i < 1000; i++) deep = { a: deep }; // about the most structured clone passes
    const cases: [string, unknown][] = [
      ['projects.create', { name: 1, model: [] }],
      ['projects.create', { name: 'a', model: '/x', evil: true }],
      ['projects.create', cyclic],
      ['projects.create', new Map([['name', 'm']])],
      ['projects.get', { projectId: deep }],
      ['calib.start', { projectId: 'nope', settings: { alpha: 'NaN', beta: -1, bits: 99 } }],
      ['devices.add', { name: '../../etc', config: { transport: 'ssh', host: '', port: 70000, user: 'u' } }],
      ['profile.run', { projectId: 'p', deviceIds: [], runId: 'r' }],
      ['projects.get', { projectId: 'no-such-project' }],
    ];
    for (const [m, p] of cases) await refused(m, p, /invalid parameters|not found|no project|unknown|no calibration|project/i);
    await expectAlive();
  });

  it('payloads over the size cap are refused before validation, with the limit', async () => {
    const MiB = 1024 * 1024;
    await refused('projects.create', { name: 'x'.repeat(8 * MiB), model: '/m.onnx' }, /IPC payload too large: more than 4 MiB/);
    await refused('projects.create', { name: 'a', model: '/m', blob: new Uint8Array(16 * MiB) }, /IPC payload too large/);
    await refused('projects.list', Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`k${i}`, i])), /IPC payload too large/);
    await refused('projects.list', { list: Array.from({ length: 2_000_000 }, () => 0) }, /IPC payload too large/);
    await expectAlive();
  });

  it('an unknown method, an unknown channel and an untrusted sender', async () => {
    await refused('projects.drop', {}, /unknown method "projects\.drop"/);
    await refused('__proto__', {}, /unknown method/);
    sent++;
    await expect(ipc.invoke('easyquant:shell', trusted, 'rm -rf /')).rejects.toThrow(/No handler registered for 'easyquant:shell'/);
    sent++;
    const r = (await ipc.invoke(IPC.call, { senderFrame: { url: 'https://evil.example/', parent: null } }, { method: 'projects.list', params: {} })) as DispatchResult;
    expect(r).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    sent++;
    await expect(ipc.invoke(IPC.version, { senderFrame: { url: loc.appUrl, parent: {} } })).rejects.toThrow(/IPC refused: untrusted sender/);
    await expectAlive();
  });

  it('no crash: no uncaught exception, no handler threw', () => {
    expect(uncaught).toBe(0);
    expect(handlerThrew).toBe(0);
  });
});
