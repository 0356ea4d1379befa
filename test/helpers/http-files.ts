/** Small HTTP helpers for the file routes of web mode (uploads, downloads) in tests. */
import http from 'node:http';
import net from 'node:net';

export interface Target {
  port: number;
  token: string;
}

export interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function req(
  t: Target,
  p: string,
  o: { method?: string; body?: Buffer | string; headers?: Record<string, string>; token?: string | null; chunked?: boolean } = {},
): Promise<Got> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token !== null) headers['x-easyquant-token'] = o.token ?? t.token;
    const r = http.request({ host: '127.0.0.1', port: t.port, path: p, method: o.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    r.on('error', reject);
    if (o.chunked && o.body !== undefined) {
      // several writes without content-length: Node sends them chunked
      const b = Buffer.from(o.body);
      const step = 256 * 1024;
      for (let i = 0; i < b.length; i += step) r.write(b.subarray(i, i + step));
      r.end();
    } else r.end(o.body);
  });
}

export const json = (g: Got) => JSON.parse(g.body.toString('utf8')) as { result?: unknown; error?: { code: string; message: string }; bytes?: number };

/** Sends the head and part of a body on a raw socket, then resets it: an aborted upload. */
export function abortedUpload(t: Target, p: string, declared: number, sent: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: t.port }, () => {
      s.write(`POST ${p} HTTP/1.1\r\nHost: 127.0.0.1:${t.port}\r\nx-easyquant-token: ${t.token}\r\ncontent-length: ${declared}\r\n\r\n`);
      s.write(sent, () => setTimeout(() => s.resetAndDestroy(), 100));
    });
    s.on('error', () => {});
    s.on('close', () => resolve());
  });
}

let seq = 0;
export const batchId = () => `b${Date.now().toString(36)}${(seq++).toString(36)}xyz`.padEnd(10, '0');
