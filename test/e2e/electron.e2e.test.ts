/**
 * Electron shell tests through playwright-core's _electron.launch: the window opens, the
 * preload API works, a forbidden navigation is blocked, a malformed IPC payload is refused and
 * the main process survives. They need the Electron binary (downloaded by `npm ci` with
 * internet access) and a build (`npm run build`); without them they are skipped with a message.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import type { EasyQuantApi } from '../../src-main/electron/ipc-contract.js';
import { PROJECT_ROOT } from '../helpers/shared.js';

function electronBinary(): string | undefined {
  try {
    const require = createRequire(path.join(PROJECT_ROOT, 'package.json'));
    const dir = path.dirname(require.resolve('electron/package.json'));
    const rel = fs.existsSync(path.join(dir, 'path.txt')) ? fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim() : '';
    const bin = rel ? path.join(dir, 'dist', rel) : '';
    return bin && fs.existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

const BIN = electronBinary();
const MAIN = path.join(PROJECT_ROOT, 'out', 'main', 'index.js');
const WHY = !BIN ? 'no Electron binary installed (it is downloaded by `npm ci` with internet access)' : !fs.existsSync(MAIN) ? 'no Electron build (run `npm run build`)' : '';
if (WHY) console.warn(`[skip] Electron shell tests: ${WHY}`);

describe.skipIf(!!WHY)('Electron shell', () => {
  let app: ElectronApplication;
  let win: Page;
  beforeAll(async () => {
    app = await _electron.launch({ executablePath: BIN, args: [MAIN, '--no-sandbox'], env: { ...process.env, ELECTRON_DISABLE_SECURITY_WARNINGS: '1' } });
    win = await app.firstWindow();
    await win.waitForLoadState('domcontentloaded');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('opens a sandboxed, context-isolated window without Node', async () => {
    expect(await win.title()).toBe('EasyQuant Studio');
    expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await win.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
  });

  it('the preload API answers', async () => {
    const r = await win.evaluate(() => (window as unknown as { easyquant: EasyQuantApi }).easyquant.call('app.ping', {}));
    expect(r.ok).toBe(true);
    const v = await win.evaluate(() => (window as unknown as { easyquant: EasyQuantApi }).easyquant.version());
    expect(v.electron).toMatch(/^\d+\./);
  });

  it('a malformed IPC payload is refused with a clear error and the main process survives', async () => {
    const bad = await win.evaluate(() => (window as unknown as { easyquant: EasyQuantApi }).easyquant.call('projects.create' as never, { name: 42 } as never));
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect((bad as { error: { message: string } }).error.message).toMatch(/invalid parameters for projects.create/);
    const ok = await win.evaluate(() => (window as unknown as { easyquant: EasyQuantApi }).easyquant.call('app.ping', {}));
    expect(ok.ok).toBe(true);
  });

  it('blocks navigation away from the app', async () => {
    const before = win.url();
    await win.evaluate(() => {
      location.href = 'https://example.com/';
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(win.url()).toBe(before);
  });
});
