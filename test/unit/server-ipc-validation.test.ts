/**
 * IPC validation (the Electron adapter, tested without Electron): untrusted senders and
 * malformed payloads get a clear error value, never an exception, and valid calls still work.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createIpcCallHandler } from '../../src-main/electron/ipc-bridge.js';
import { isAppUrl, rendererLocation } from '../../src-main/electron/security.js';
import { createDispatcher } from '../../src-main/app/dispatch.js';
import { AppService } from '../../src-main/app/app-service.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-ipc-'));
const svc = new AppService({
  dataRoot: root,
  mode: 'desktop',
  secrets: { encrypt: (s) => Buffer.from(`enc:${Buffer.from(s).toString('base64')}`), decrypt: (b) => Buffer.from(b.toString().slice(4), 'base64').toString() },
});
afterAll(async () => {
  await svc.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const loc = rendererLocation();
type FakeEvent = { senderFrame: { url: string; parent: null | object } };
const trusted: FakeEvent = { senderFrame: { url: loc.appUrl + '#/', parent: null } };
const check = (e: unknown) => {
  const f = (e as FakeEvent).senderFrame;
  if (f.parent !== null || !isAppUrl(f.url, loc)) throw new Error(`IPC refused: untrusted sender ${f.url}`);
};
const handle = createIpcCallHandler(createDispatcher(svc), check);

describe('IPC validation', () => {
  it('valid calls go through', async () => {
    expect(await handle(trusted, { method: 'projects.list', params: {} })).toEqual({ ok: true, result: [] });
  });

  it('malformed payloads are rejected with a clear error (no throw)', async () => {
    const cases: [unknown, RegExp][] = [
      [null, /malformed IPC payload: \(payload\): .*expected object/i],
      ['projects.list', /malformed IPC payload/],
      [{ method: 7 }, /method: .*expected string/i],
      [{ method: 'projects.list', params: {}, extra: 1 }, /malformed IPC payload/],
      [{ method: 'fs.readFile', params: { path: '/etc/passwd' } }, /unknown method "fs.readFile"/],
      [{ method: 'calib.start', params: { projectId: 'p', settings: { method: 'magic', bits: 99 } } }, /invalid parameters for calib.start: settings.method: .*settings.bits: /],
      [{ method: 'devices.add', params: { name: 'b', config: { transport: 'telnet' } } }, /invalid parameters for devices.add: config.transport/],
      // a name deploy would refuse later is refused when the board is added (one rule: deviceNameSchema)
      [
        { method: 'devices.add', params: { name: 'my board', config: { transport: 'serial', path: '/dev/null', baud: 115200 } } },
        /invalid parameters for devices.add: name: device names use letters, digits/,
      ],
      [{ method: 'devices.add', params: { name: '-b', config: { transport: 'serial', path: '/dev/null', baud: 115200 } } }, /invalid parameters for devices.add: name: /],
    ];
    for (const [payload, re] of cases) {
      const r = await handle(trusted, payload);
      expect(r.ok, JSON.stringify(payload)).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('bad_request');
        expect(r.error.message).toMatch(re);
      }
    }
    // still alive and answering
    expect((await handle(trusted, { method: 'app.ping', params: {} })).ok).toBe(true);
  });

  it('calls from an untrusted frame are refused', async () => {
    for (const ev of [{ senderFrame: { url: 'https://evil.example/', parent: null } }, { senderFrame: { url: loc.appUrl, parent: {} } }]) {
      const r = await handle(ev, { method: 'projects.list', params: {} });
      expect(r).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      if (!r.ok) expect(r.error.message).toMatch(/IPC refused: untrusted sender/);
    }
  });

  it('the desktop app stores device secrets only encrypted', async () => {
    const r = await handle(trusted, { method: 'devices.add', params: { name: 'pw-board', config: { transport: 'serial', path: '/dev/null', baud: 115200 }, secret: 'hunter2' } });
    expect(r.ok).toBe(true);
    const raw = svc.store.db.prepare(`SELECT * FROM devices`).get() as Record<string, unknown>;
    expect(JSON.stringify(raw)).not.toContain('hunter2');
    expect(Buffer.isBuffer(raw.secret_enc)).toBe(true);
    expect(String(raw.secret_enc)).toBe(`enc:${Buffer.from('hunter2').toString('base64')}`);
  });
});
