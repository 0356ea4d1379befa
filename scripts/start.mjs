#!/usr/bin/env node
// `npm start`: launch EasyQuant Studio.
//
// - If the Electron binary is installed (or can be fetched now), build the app if `out/` is
//   missing and run it with `electron-vite preview --skipBuild`.
// - Otherwise fall back to web mode: serve the built renderer (out/renderer) on 127.0.0.1 at a
//   free port and print one line saying so. The server runs until Ctrl-C.
//
// Options: --web          force web mode
//          --rebuild      rebuild out/ even if it exists
//          --port N       web mode port (default: EQ_PORT or a free port)
// Env:     EQ_NO_ELECTRON_DOWNLOAD=1   don't try to fetch the Electron binary
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'out');
const RENDERER_DIR = path.join(OUT, 'renderer');
const require = createRequire(path.join(ROOT, 'package.json'));

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
function option(name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function binOf(pkg, name = pkg) {
  const pkgJsonPath = require.resolve(`${pkg}/package.json`);
  const { bin } = JSON.parse(fs.readFileSync(pkgJsonPath, 'utf8'));
  return path.join(path.dirname(pkgJsonPath), typeof bin === 'string' ? bin : bin[name]);
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Path of the Electron executable if it is installed, else undefined. Mirrors what
 * `require('electron')` resolves to, without triggering its lazy download as a side effect.
 */
function installedElectron() {
  let dir;
  try {
    dir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return undefined;
  }
  const pathFile = path.join(dir, 'path.txt');
  const rel = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : '';
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
    return isExecutable(p) ? p : undefined;
  }
  if (!rel) return undefined;
  const p = path.join(dir, 'dist', rel);
  return isExecutable(p) ? p : undefined;
}

/** Try the electron package's own installer (downloads the binary); quiet, bounded in time. */
function tryFetchElectron() {
  if (process.env.EQ_NO_ELECTRON_DOWNLOAD === '1') return undefined;
  let installer;
  try {
    installer = path.join(path.dirname(require.resolve('electron/package.json')), 'install.js');
  } catch {
    return undefined;
  }
  if (!fs.existsSync(installer)) return undefined;
  const r = spawnSync(process.execPath, [installer], {
    cwd: ROOT,
    stdio: 'ignore',
    timeout: 10 * 60_000,
  });
  return r.status === 0 ? installedElectron() : undefined;
}

function isBuilt() {
  return (
    fs.existsSync(path.join(OUT, 'main', 'index.js')) &&
    fs.existsSync(path.join(OUT, 'preload', 'index.cjs')) &&
    fs.existsSync(path.join(RENDERER_DIR, 'index.html'))
  );
}

function ensureBuilt() {
  if (isBuilt() && !flag('--rebuild')) return;
  const r = spawnSync(process.execPath, [binOf('electron-vite'), 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('easyquant: build failed (npx electron-vite build)');
    process.exit(r.status ?? 1);
  }
}

function runElectron(electronPath) {
  const child = spawn(process.execPath, [binOf('electron-vite'), 'preview', '--skipBuild'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ELECTRON_EXEC_PATH: electronPath },
  });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('close', (code) => process.exit(code ?? 1));
}

// ---------------------------------------------------------------------------------------------
// Web mode: minimal static server for out/renderer (loopback only).

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self' ws://127.0.0.1:*";

/** Resolve a URL path inside `root`; undefined if it escapes root or isn't a file. */
function resolveStatic(root, urlPath) {
  let decoded;
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

function startWebServer(port, reason) {
  const root = fs.realpathSync(RENDERER_DIR);
  let boundPort = port;
  const server = http.createServer((req, res) => {
    // Reject foreign Host headers (DNS rebinding): only loopback names on our port.
    const host = (req.headers.host ?? '').toLowerCase();
    const okHosts = [`127.0.0.1:${boundPort}`, `localhost:${boundPort}`];
    if (!okHosts.includes(host)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('misdirected request\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const urlPath = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    let file = resolveStatic(root, urlPath);
    // SPA fallback: extensionless paths get index.html; missing assets are 404.
    if (!file && !path.posix.extname(urlPath)) file = path.join(root, 'index.html');
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    const headers = {
      'content-type': type,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': file.endsWith('.html') ? 'no-cache' : 'public, max-age=3600',
    };
    if (type.startsWith('text/html')) {
      headers['content-security-policy'] = CSP;
      headers['x-frame-options'] = 'DENY';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    fs.createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });
  server.on('error', (err) => {
    console.error(`easyquant: web mode server failed: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    boundPort = server.address().port;
    const url = `http://127.0.0.1:${boundPort}`;
    console.log(
      reason === 'forced'
        ? `Opening EasyQuant Studio in web mode at ${url}`
        : `Electron binary not available here (no download access); opening EasyQuant Studio in web mode at ${url}`,
    );
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// ---------------------------------------------------------------------------------------------

/**
 * Web mode with the app's service API: `easyquant serve` (src-main/cli/commands/serve.ts) —
 * HTTP + WebSocket on 127.0.0.1 with a per-launch token; it builds out/renderer if needed.
 */
function runServe(port, reason) {
  if (reason !== 'forced') console.log('Electron binary not available here (no download access); opening EasyQuant Studio in web mode.');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'easyquant.mjs'), 'serve', '--port', String(port)], { cwd: ROOT, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('close', (code) => process.exit(code ?? 1));
}

function main() {
  const forceWeb = flag('--web');
  const electronPath = forceWeb ? undefined : (installedElectron() ?? tryFetchElectron());
  if (electronPath) {
    ensureBuilt();
    runElectron(electronPath);
    return;
  }
  const portArg = option('--port') ?? process.env.EQ_PORT ?? '0';
  const port = Number.parseInt(portArg, 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`easyquant: invalid port ${portArg}`);
    process.exit(2);
  }
  // the static-only server below stays for builds without the CLI; the app needs the API
  if (fs.existsSync(path.join(ROOT, 'bin', 'easyquant.mjs'))) runServe(port, forceWeb ? 'forced' : 'no-electron');
  else {
    ensureBuilt();
    startWebServer(port, forceWeb ? 'forced' : 'no-electron');
  }
}

main();
