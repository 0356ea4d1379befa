/**
 * Security policy for the Electron shell: which URLs the app may load, navigate to or
 * receive IPC from. Pure functions (no electron import) so they can be unit-tested in Node.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface RendererLocation {
  /** file:// URL of out/renderer/index.html (production) */
  fileUrl: string;
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

export function rendererLocation(rendererDir: string, devServer?: URL): RendererLocation {
  return {
    fileUrl: pathToFileURL(path.join(rendererDir, 'index.html')).href,
    devOrigin: devServer?.origin,
  };
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
  if (url.protocol === 'file:') {
    const expected = new URL(loc.fileUrl);
    // the host matters: file://server/share/... is a network path (UNC on Windows), not our file
    return url.host === expected.host && url.pathname === expected.pathname;
  }
  return false;
}

/**
 * Requests the renderer may make: its own files (file:// under the renderer dir), the dev
 * server (http + ws for HMR) in development, devtools and data/blob URLs. Everything else
 * (remote content) is cancelled.
 */
export function isAllowedRequest(rawUrl: string, rendererDir: string, loc: RendererLocation): boolean {
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
    case 'file:': {
      const root = pathToFileURL(rendererDir + path.sep);
      // same host as our own files (empty for local paths): never a file:// URL on another machine
      return url.host === root.host && url.pathname.startsWith(root.pathname) && !url.pathname.includes('/../');
    }
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
