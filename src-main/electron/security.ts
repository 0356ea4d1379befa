/**
 * Security policy for the Electron shell: which URLs the app may load, navigate to or
 * receive IPC from. Pure functions (no electron import) so they can be unit-tested in Node.
 */
import { APP_HOST, APP_INDEX_URL, APP_SCHEME } from './app-protocol.js';

export interface RendererLocation {
  /** app://renderer/index.html: out/renderer served by the app:// protocol (production) */
  appUrl: string;
  /** dev server origin, e.g. http://localhost:5173 (electron-vite dev only), else undefined */
  devOrigin?: string;
}

/** Loopback-only dev server URL from electron-vite (`ELECTRON_RENDERER_URL`), or undefined. */
export function parseDevServerUrl(raw: string | undefined): URL | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:') return undefined;
  if (!['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return undefined;
  return url;
}

export function rendererLocation(devServer?: URL): RendererLocation {
  return { appUrl: APP_INDEX_URL, devOrigin: devServer?.origin };
}

/** True if `rawUrl` is the app's own renderer page (any hash/query), i.e. a trusted frame. */
export function isAppUrl(rawUrl: string | undefined, loc: RendererLocation): boolean {
  if (!rawUrl) return false;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return false;
  }
  if (loc.devOrigin && url.origin === loc.devOrigin) return true;
  const expected = new URL(loc.appUrl);
  return url.protocol === expected.protocol && url.host === expected.host && (url.pathname === expected.pathname || url.pathname === '/');
}

/**
 * Requests the renderer may make: its own files (app://renderer/, whose handler refuses
 * anything outside out/renderer), the dev server (http + ws for HMR) in development, devtools
 * and data/blob URLs. Everything else (file://, remote content) is cancelled.
 */
export function isAllowedRequest(rawUrl: string, loc: RendererLocation): boolean {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return false;
  }
  switch (url.protocol) {
    case 'data:':
    case 'blob:':
    case 'devtools:':
      return true;
    case `${APP_SCHEME}:`:
      return url.host === APP_HOST;
    case 'http:':
    case 'ws:':
      if (!loc.devOrigin) return false;
      return url.host === new URL(loc.devOrigin).host;
    default:
      return false;
  }
}

/** Permissions the app page may have: desktop notifications of finished jobs, and only for the app itself. */
export function isAllowedPermission(permission: string, requestingUrl: string | undefined, loc: RendererLocation): boolean {
  return permission === 'notifications' && isAppUrl(requestingUrl, loc);
}
