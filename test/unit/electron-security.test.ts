import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAllowedPermission, isAllowedRequest, isAppUrl, rendererLocation } from '../../src-main/electron/security.js';
import { PROJECT_ROOT } from '../helpers/shared.js';

const loc = rendererLocation();
const dev = rendererLocation(new URL('http://localhost:5173/'));

describe('Electron shell: permissions', () => {
  it('only notifications (finished jobs), and only for the app page', () => {
    const app = 'app://renderer/index.html#/results';
    expect(isAllowedPermission('notifications', app, loc)).toBe(true);
    for (const p of ['media', 'geolocation', 'clipboard-read', 'openExternal']) expect(isAllowedPermission(p, app, loc)).toBe(false);
    expect(isAllowedPermission('notifications', 'https://example.com/', loc)).toBe(false);
    expect(isAllowedPermission('notifications', undefined, loc)).toBe(false);
    expect(isAllowedPermission('notifications', 'file:///opt/easyquant/resources/app/out/renderer/index.html', loc)).toBe(false);
  });
});

describe('Electron shell: which URLs count as the app', () => {
  it('the app page (app://renderer/) is trusted with any hash or query; file:// and other hosts are not', () => {
    expect(loc.appUrl).toBe('app://renderer/index.html');
    expect(isAppUrl('app://renderer/index.html#/calibrate', loc)).toBe(true);
    expect(isAppUrl('app://renderer/?x=1#/', loc)).toBe(true);
    expect(isAppUrl('app://evil/index.html', loc)).toBe(false);
    expect(isAppUrl('app://renderer/other.html', loc)).toBe(false);
    expect(isAppUrl('file:///opt/easyquant/resources/app/out/renderer/index.html', loc)).toBe(false);
    expect(isAppUrl('https://example.com/', loc)).toBe(false);
    expect(isAppUrl('http://localhost:5173/#/', dev)).toBe(true);
    expect(isAppUrl('http://localhost:5173/#/', loc)).toBe(false);
  });

  it('requests: app://renderer/ only (no file:// at all), the dev server only in development', () => {
    expect(isAllowedRequest('app://renderer/assets/index.js', loc)).toBe(true);
    expect(isAllowedRequest('app://other/assets/index.js', loc)).toBe(false);
    expect(isAllowedRequest('file:///opt/easyquant/resources/app/out/renderer/assets/index.js', loc)).toBe(false);
    expect(isAllowedRequest('file:///etc/passwd', loc)).toBe(false);
    expect(isAllowedRequest('ws://127.0.0.1:9000/', loc)).toBe(false);
    expect(isAllowedRequest('ws://localhost:5173/', dev)).toBe(true);
    expect(isAllowedRequest('data:image/png;base64,AA==', loc)).toBe(true);
  });

  it("the renderer's CSP allows no plugins, no <base>, no form posts and no WebSocket to other ports", () => {
    const html = fs.readFileSync(path.join(PROJECT_ROOT, 'src-renderer', 'index.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    const directives = new Map(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k, ...v]) => [k!, v]),
    );
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
  });

  it('the packaged app flips the Electron fuses that open backdoors', () => {
    const yml = fs.readFileSync(path.join(PROJECT_ROOT, 'build', 'electron-builder.yml'), 'utf8');
    const block = /^electronFuses:\n((?: {2}.*\n)+)/m.exec(yml)?.[1] ?? '';
    const fuses = Object.fromEntries(
      block
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/:\s*/)),
    );
    expect(fuses).toMatchObject({
      runAsNode: 'false',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      onlyLoadAppFromAsar: 'true',
      enableEmbeddedAsarIntegrityValidation: 'true',
    });
  });
});
