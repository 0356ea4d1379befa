/** Serves the built renderer (out/renderer) with a strict CSP; single-page-app fallback to index.html. */
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { RENDERER_MIME } from '../contract/renderer-mime.js';

export function webCsp(port: number): string {
  return (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`
  );
}

/** Path inside root for a URL path, or undefined when it escapes root or is not a file. */
export function resolveStatic(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const file = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  if (file !== root && !file.startsWith(root + path.sep)) return undefined;
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) {
      const index = path.join(file, 'index.html');
      return fs.existsSync(index) ? index : undefined;
    }
    return st.isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

export function serveStatic(root: string, urlPath: string, res: ServerResponse, port: number, extraHeaders: Record<string, string> = {}): void {
  let file = resolveStatic(root, urlPath);
  if (!file && !path.posix.extname(urlPath)) file = path.join(root, 'index.html');
  if (!file || !fs.existsSync(file)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  const type = RENDERER_MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string> = {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
    ...extraHeaders,
  };
  if (type.startsWith('text/html')) {
    headers['content-security-policy'] = webCsp(port);
    headers['x-frame-options'] = 'DENY';
  }
  res.writeHead(200, headers);
  fs.createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}
