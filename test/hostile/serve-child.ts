/**
 * `easyquant serve` as a child process (node bin/easyquant.mjs serve --port 0 --no-build): the
 * hostile tests talk to a real server and can see it die. Resolves once the URL is printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { PROJECT_ROOT } from '../helpers/shared.js';

export interface ServeChild {
  proc: ChildProcess;
  port: number;
  token: string;
  /** everything the child wrote to stderr so far */
  stderr(): string;
  /** exit code, or null while it runs */
  exitCode(): number | null;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export const BIN = path.join(PROJECT_ROOT, 'bin', 'easyquant.mjs');

/** Outcome of a `serve` that may refuse to start: either a running server or its exit code. */
export function spawnServe(dataDir: string): Promise<ServeChild | { code: number | null; stderr: string }> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--no-build', '--data-dir', dataDir], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let code: number | null = null;
  let running = true;
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (c, sig) => {
      running = false;
      code = c ?? (sig ? 128 : null);
      resolve(code);
    }),
  );
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+)/.exec(out);
      if (!m) return;
      resolve({
        proc,
        port: Number(m[1]),
        token: m[2]!,
        stderr: () => err,
        exitCode: () => (running ? null : code),
        exited,
        stop: async () => {
          if (running) proc.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((c) => resolve({ code: c, stderr: err }));
  });
}

export async function startServe(dataDir: string): Promise<ServeChild> {
  const r = await spawnServe(dataDir);
  if (!('proc' in r)) throw new Error(`easyquant serve exited with ${r.code}: ${r.stderr}`);
  return r;
}

export interface Reply {
  status: number;
  body: string;
}

/** One HTTP request to the child; `error` is the client-side error code if the connection broke. */
export function request(
  srv: Pick<ServeChild, 'port' | 'token'>,
  p: string,
  opts: { method?: string; body?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<Reply | { error: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: srv.port, path: p, method: opts.method ?? 'GET', headers: { 'x-easyquant-token': srv.token, ...opts.headers } }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: b }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(opts.body);
  });
}

export const call = (srv: Pick<ServeChild, 'port' | 'token'>, method: string, params: unknown) =>
  request(srv, '/api/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method, params }) });
