/** app://renderer/ → files under out/renderer only (electron/app-protocol.ts, tested without Electron). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_CSP, resolveAppRequest } from '../../src-main/electron/app-protocol.js';

let root: string;
let dir: string;
beforeAll(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'eq-appproto-')));
  dir = path.join(root, 'renderer');
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc.js'), 'export {}');
  fs.writeFileSync(path.join(dir, 'assets', 'a b.css'), 'body{}');
  fs.writeFileSync(path.join(root, 'secret.txt'), 'outside');
  fs.symlinkSync(path.join(root, 'secret.txt'), path.join(dir, 'assets', 'link.js'));
  fs.symlinkSync(root, path.join(dir, 'up'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('app:// protocol', () => {
  it('maps the app origin to files of the renderer folder, with their type', () => {
    expect(resolveAppRequest('app://renderer/index.html', dir)).toEqual({ ok: true, file: path.join(dir, 'index.html'), contentType: 'text/html; charset=utf-8' });
    expect(resolveAppRequest('app://renderer/', dir)).toMatchObject({ ok: true, file: path.join(dir, 'index.html') });
    expect(resolveAppRequest('app://renderer/assets/index-abc.js?v=1#x', dir)).toMatchObject({
      ok: true,
      file: path.join(dir, 'assets', 'index-abc.js'),
      contentType: 'text/javascript; charset=utf-8',
    });
    expect(resolveAppRequest('app://renderer/assets/a%20b.css', dir)).toMatchObject({ ok: true, file: path.join(dir, 'assets', 'a b.css') });
    expect(resolveAppRequest('app://renderer/missing.js', dir)).toMatchObject({ ok: false, status: 404 });
    expect(resolveAppRequest('app://renderer/assets', dir)).toMatchObject({ ok: false, status: 404 });
  });

  it('refuses traversal in every spelling, other hosts and schemes, and links out of the folder', () => {
    // dot segments, literal or %2e-encoded, are removed by the URL parser: what remains must still be inside
    for (const u of ['app://renderer/../../secret.txt', 'app://renderer/%2e%2e/secret.txt', 'app://renderer/assets/%2E%2E/%2e%2e/secret.txt']) {
      expect(resolveAppRequest(u, dir), u).toMatchObject({ ok: false, status: 404 });
    }
    const refused = [
      'app://renderer/..%2fsecret.txt',
      'app://renderer/..%5csecret.txt',
      'app://renderer/assets%2f..%2f..%2fsecret.txt',
      'app://renderer/index.html%00.js',
      'app://renderer/%E0%A4%A',
      'app://renderer/assets/link.js',
      'app://renderer/up/secret.txt',
      'app://evil/index.html',
      'app://renderer.evil/index.html',
      'file:///etc/passwd',
      'not a url',
    ];
    for (const u of refused) {
      const r = resolveAppRequest(u, dir);
      expect(r.ok, u).toBe(false);
      if (!r.ok) expect(r.status, u).toBe(403);
    }
  });

  it("the response CSP keeps 'self' to the app origin and forbids framing", () => {
    expect(DESKTOP_CSP).toContain("default-src 'self'");
    expect(DESKTOP_CSP).toContain("frame-ancestors 'none'");
    expect(DESKTOP_CSP).toContain("object-src 'none'");
  });
});
