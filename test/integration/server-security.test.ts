/** Web-mode security: token on every request (401), Origin check (403), loopback only. */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDispatcher } from '../../src-main/app/dispatch.js';
import { AppService } from '../../src-main/app/app-service.js';
import { checkRequest } from '../../src-main/server/auth.js';
import { startWebServer, type WebServer } from '../../src-main/server/web-server.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-srv-'));
let svc: AppService;
let srv: WebServer;

beforeAll(async () => {
  const renderer = path.join(root, 'renderer');
  fs.mkdirSync(renderer);
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>EQ</title>');
  fs.writeFileSync(path.join(renderer, 'app.js'), 'console.log(1)');
  svc = new AppService({ dataRoot: path.join(root, 'data'), mode: 'web' });
  srv = await startWebServer({ dispatch: createDispatcher(svc), events: svc.events, rendererDir: renderer });
});
afterAll(async () => {
  await srv.close();
  await svc.close();
  fs.rmSync(root, { recursive: true, force: true });
});

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}
function request(p: string, opts: { method?: string; headers?: Record<string, string>; body?: string; host?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: opts.host ?? '127.0.0.1', port: srv.port, path: p, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}
const auth = () => ({ 'x-easyquant-token': srv.token });
const call = (method: string, params: unknown, headers: Record<string, string> = auth()) =>
  request('/api/call', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ method, params }) });

function wsOutcome(url: string, headers: Record<string, string> = {}): Promise<{ opened: boolean; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.on('unexpected-response', (_req, res) => resolve({ opened: false, status: res.statusCode }));
    ws.on('error', () => resolve({ opened: false }));
  });
}

describe('web server security', () => {
  it('the token is random per launch and long', async () => {
    const other = await startWebServer({ dispatch: createDispatcher(svc), events: svc.events });
    expect(other.token).not.toBe(srv.token);
    expect(other.token.length).toBeGreaterThanOrEqual(40);
    await other.close();
  });

  it('a request without the token gets 401, on every route', async () => {
    for (const p of ['/api/ping', '/', '/app.js', '/index.html']) expect((await request(p)).status, p).toBe(401);
    const r = await call('projects.list', {}, {});
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).error.message).toMatch(/access token/);
    // Change the first character to a different one (a fixed 'x' equals the token 1 time in 64).
    const wrong = (srv.token[0] === 'x' ? 'y' : 'x') + srv.token.slice(1);
    expect((await request('/api/ping', { headers: { 'x-easyquant-token': wrong } })).status).toBe(401);
  });

  it('a wrong Origin gets 403 even with the token', async () => {
    const r = await request('/api/ping', { headers: { ...auth(), origin: 'http://evil.example' } });
    expect(r.status).toBe(403);
    expect((await request('/api/ping', { headers: { ...auth(), origin: `http://127.0.0.1:${srv.port + 1}` } })).status).toBe(403);
    expect((await request('/api/ping', { headers: { ...auth(), origin: srv.url } })).status).toBe(200);
  });

  it('WebSocket upgrades need the token and the right Origin', async () => {
    const ws = `ws://127.0.0.1:${srv.port}/api/ws`;
    expect(await wsOutcome(ws)).toEqual({ opened: false, status: 401 });
    expect(await wsOutcome(`${ws}?token=${srv.token}`, { origin: 'http://evil.example' })).toEqual({ opened: false, status: 403 });
    expect(await wsOutcome(`${ws}?token=${srv.token}`, { origin: srv.url })).toEqual({ opened: true });
  });

  it('a foreign Host header (DNS rebinding) is refused', async () => {
    const r = await request('/api/ping', { headers: { ...auth(), host: `attacker.example:${srv.port}` } });
    expect(r.status).toBe(421);
  });

  it('listens on 127.0.0.1 only', async () => {
    expect(srv.host).toBe('127.0.0.1');
    const external = Object.values(os.networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    const targets = [...external, '::1'];
    for (const host of targets) {
      const outcome = await new Promise<string>((resolve) => {
        const s = net.connect({ host, port: srv.port });
        s.on('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(outcome, host).not.toBe('connected');
    }
    if (external.length === 0) console.warn('[note] no non-loopback IPv4 interface on this machine; checked ::1 only');
  });

  it('opening the page with ?token= sets an HttpOnly SameSite cookie that authorises assets', async () => {
    const page = await request(`/?token=${srv.token}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const asset = await request('/app.js', { headers: { cookie: cookie.split(';')[0]! } });
    expect(asset.status).toBe(200);
    expect(asset.body).toBe('console.log(1)');
  });

  it('a malformed payload is rejected with a clear error and the server keeps answering', async () => {
    const bad = await request('/api/call', { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: '{not json' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toBe('request body is not JSON');
    const unknown = await call('projects.explode', {});
    expect(JSON.parse(unknown.body).error.message).toMatch(/unknown method "projects.explode"/);
    const wrongType = await call('projects.create', { name: 42, model: '' });
    expect(wrongType.status).toBe(400);
    const msg = JSON.parse(wrongType.body).error.message as string;
    expect(msg).toMatch(/invalid parameters for projects.create/);
    expect(msg).toMatch(/name: .*expected string/i);
    expect(msg).toMatch(/model: a path is required/);
    const extra = await call('projects.list', { sneaky: true });
    expect(extra.status).toBe(400);
    const ok = await call('projects.list', {});
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ result: [] });
  });

  it('user errors come back as 422 with the specific message', async () => {
    const r = await call('projects.create', { name: 'x', model: path.join(root, 'missing.onnx') });
    expect(r.status).toBe(422);
    expect(JSON.parse(r.body).error.message).toBe(`model file not found: ${path.join(root, 'missing.onnx')}`);
  });

  it('checkRequest: absent Origin (non-browser client) is fine with a token', () => {
    const v = checkRequest({ headers: { host: '127.0.0.1:5', 'x-easyquant-token': 't' }, url: '/' }, 5, 't');
    expect(v).toEqual({ ok: true, tokenFrom: 'header' });
    expect(checkRequest({ headers: { host: 'localhost:5' }, url: '/?token=t' }, 5, 't')).toEqual({ ok: true, tokenFrom: 'query' });
  });
});
