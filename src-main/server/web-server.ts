/**
 * Web mode: the app's service API over HTTP (POST /api/call, GET /api/ping) and WebSocket
 * (/api/ws: calls + pushed events), plus the built renderer. Listens on 127.0.0.1 only; every
 * request needs the per-launch token and a same-origin (or absent) Origin.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DispatchResult } from '../app/dispatch.js';
import type { AppEvents } from '../app/events.js';
import { checkRequest, cookieName, newToken } from './auth.js';
import { handleFileRoute, type FilesBackend } from './files-routes.js';
import { serveStatic } from './static-files.js';

export interface WebServerOptions {
  dispatch: (method: unknown, params: unknown) => Promise<DispatchResult>;
  events: AppEvents;
  /** folder with the built renderer (index.html); undefined = API only */
  rendererDir?: string;
  port?: number;
  token?: string;
  /** uploads and downloads (POST /api/upload, GET /api/download/…); undefined = none */
  files?: FilesBackend;
}

export interface WebServer {
  url: string;
  /** URL to open in a browser (carries the token) */
  openUrl: string;
  port: number;
  host: string;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify(body));
}

class BodyTooLarge extends Error {}

/**
 * The request body as text, at most MAX_BODY bytes. Over the limit (by content-length or while
 * reading) it rejects with BodyTooLarge at once; the rest of the body is drained (Node discards
 * it once the 413 is sent), so the client gets an answer instead of a reset connection.
 */
function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY) {
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
      else {
        req.off('data', onData);
        chunks.length = 0;
        req.resume();
        reject(new BodyTooLarge());
      }
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const TOO_LARGE = `request body is over the ${MAX_BODY / (1024 * 1024)} MiB limit`;

/** One line on stderr for a connection-level problem (never a stack: they come from clients). */
function logConn(what: string, e: Error): void {
  process.stderr.write(`[easyquant] ${what}: ${e.message.split('\n')[0]}\n`);
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? newToken();
  const host = '127.0.0.1';
  let port = 0;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
  const clients = new Set<WebSocket>();

  const server = http.createServer((req, res) => {
    const v = checkRequest(req, port, token);
    if (!v.ok) {
      sendJson(res, v.status, { error: { code: v.status === 401 ? 'unauthorized' : 'forbidden', message: v.message } });
      return;
    }
    const url = new URL(req.url ?? '/', `http://${host}:${port}`);
    if (url.pathname === '/api/ping') {
      sendJson(res, 200, { t: Date.now() });
      return;
    }
    if (opts.files && handleFileRoute(req, res, url, opts.files, sendJson)) return;
    if (url.pathname === '/api/call') {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      readBody(req)
        .then(async (body) => {
          let msg: { method?: unknown; params?: unknown };
          try {
            msg = JSON.parse(body) as typeof msg;
          } catch {
            sendJson(res, 400, { error: { code: 'bad_request', message: 'request body is not JSON' } });
            return;
          }
          const r = await opts.dispatch(msg?.method, msg?.params);
          if (r.ok) sendJson(res, 200, { result: r.result });
          else sendJson(res, r.error.code === 'bad_request' ? 400 : r.error.code === 'user_error' ? 422 : 500, { error: r.error });
        })
        .catch((e: Error) => {
          if (res.headersSent) return;
          if (e instanceof BodyTooLarge) sendJson(res, 413, { error: { code: 'bad_request', message: TOO_LARGE } });
          else {
            logConn('request failed', e);
            sendJson(res, 400, { error: { code: 'bad_request', message: 'the request body could not be read' } });
          }
        });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!opts.rendererDir) {
      sendJson(res, 404, { error: { code: 'not_found', message: 'no renderer build is served' } });
      return;
    }
    // opening the page with ?token= hands the token to the browser as an HttpOnly cookie, so the
    // page's scripts and styles (which cannot carry a query token) are authorised too
    const extra: Record<string, string> = v.tokenFrom === 'query' ? { 'set-cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {};
    serveStatic(opts.rendererDir, url.pathname, res, port, extra);
  });

  // a WebSocket whose client breaks the protocol (frame over maxPayload: 1009, invalid UTF-8 in
  // a text frame: 1007, ...) is closed by ws with that code and then emits 'error'; without a
  // listener that error would end the whole process
  wss.on('error', (e) => logConn('WebSocket server error', e));
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', (e) => logConn('upgrade socket error', e));
    const v = checkRequest(req, port, token);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (!v.ok || path !== '/api/ws') {
      const status = v.ok ? 404 : v.status;
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('error', (e) => logConn('WebSocket closed', e));
      ws.on('close', () => clients.delete(ws));
      ws.on('message', (data) => {
        let msg: { id?: unknown; method?: unknown; params?: unknown };
        try {
          msg = JSON.parse(String(data)) as typeof msg;
        } catch {
          ws.send(JSON.stringify({ id: null, ok: false, error: { code: 'bad_request', message: 'message is not JSON' } }));
          return;
        }
        void opts
          .dispatch(msg?.method, msg?.params)
          .then((r) => {
            if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg?.id ?? null, ...r }));
          })
          .catch((e: Error) => logConn('WebSocket reply failed', e));
      });
    });
  });

  const off = opts.events.on((event) => {
    const text = JSON.stringify({ event });
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  return {
    url,
    openUrl: `${url}/?token=${token}`,
    port,
    host,
    token,
    close: async () => {
      off();
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
