/**
 * Web-mode request checks: loopback Host (against DNS rebinding), same-origin Origin, and the
 * per-launch token (header, `?token=` query, or the cookie set when the page was opened).
 * Pure functions over the request's headers and URL, unit-tested without a server.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-easyquant-token';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export const cookieName = (port: number): string => `eq_token_${port}`;

export function allowedOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export type Verdict = { ok: true; tokenFrom: 'header' | 'query' | 'cookie' } | { ok: false; status: 401 | 403 | 421; message: string };

export function checkRequest(req: Pick<IncomingMessage, 'headers' | 'url'>, port: number, token: string): Verdict {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!(host === `127.0.0.1:${port}` || host === `localhost:${port}`)) return { ok: false, status: 421, message: `unexpected Host header '${host}'` };
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedOrigins(port).includes(origin)) return { ok: false, status: 403, message: `cross-origin request from '${origin}' refused` };
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string' && sameToken(header, token)) return { ok: true, tokenFrom: 'header' };
  const q = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('token');
  if (q && sameToken(q, token)) return { ok: true, tokenFrom: 'query' };
  const c = cookieValue(req.headers.cookie, cookieName(port));
  if (c && sameToken(c, token)) return { ok: true, tokenFrom: 'cookie' };
  return { ok: false, status: 401, message: 'missing or wrong access token: open the URL printed by `easyquant serve` (it carries ?token=…)' };
}
