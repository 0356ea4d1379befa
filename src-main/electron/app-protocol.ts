/**
 * The `app://renderer/` scheme the desktop renderer is served from (instead of file://, whose
 * 'self' covers the whole disk): URL → file under out/renderer, refusing other hosts, `..`,
 * encoded separators, NUL bytes and symlinks that leave the folder. Pure Node (no electron
 * import), so it is unit tested; main.ts registers it with protocol.handle.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RENDERER_MIME } from '../contract/renderer-mime.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Privileges for protocol.registerSchemesAsPrivileged: a standard, secure origin for 'self' and fetch. */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, codeCache: true } as const;

/** Sent with every app:// response (the same policy as index.html's meta tag, plus frame-ancestors). */
export const DESKTOP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export type AppFile = { ok: true; file: string; contentType: string } | { ok: false; status: 403 | 404; reason: string };

const refuse = (reason: string): AppFile => ({ ok: false, status: 403, reason });

export function resolveAppRequest(rawUrl: string, rendererDir: string): AppFile {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return refuse('not a URL');
  }
  if (url.protocol !== `${APP_SCHEME}:`) return refuse(`scheme ${url.protocol} is not ${APP_SCHEME}:`);
  if (url.host !== APP_HOST) return refuse(`host '${url.host}' is not '${APP_HOST}'`);
  const segments: string[] = [];
  for (const raw of url.pathname.split('/')) {
    if (raw === '') continue;
    if (/%(2f|5c|00)/i.test(raw)) return refuse('encoded separator or NUL in the path');
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return refuse('malformed percent-encoding');
    }
    if (seg === '..' || seg === '.' || seg.includes('\\') || seg.includes('\0')) return refuse('path traversal');
    segments.push(seg);
  }
  if (segments.length === 0) segments.push('index.html');
  const root = path.resolve(rendererDir);
  const file = path.join(root, ...segments);
  if (!file.startsWith(root + path.sep)) return refuse('path traversal');
  let real: string;
  try {
    real = fs.realpathSync(file);
    if (!fs.statSync(real).isFile()) return { ok: false, status: 404, reason: 'not a file' };
  } catch {
    return { ok: false, status: 404, reason: 'not found' };
  }
  let realRoot = root;
  try {
    realRoot = fs.realpathSync(root);
  } catch {
    // root missing: nothing resolves anyway
  }
  if (!real.startsWith(realRoot + path.sep)) return refuse('a link that leaves the renderer folder');
  return { ok: true, file: real, contentType: RENDERER_MIME[path.extname(real).toLowerCase()] ?? 'application/octet-stream' };
}
