#!/usr/bin/env node
// `npm start`: launch EasyQuant Studio.
//
// - If the Electron binary is installed (or can be fetched now), build the app if `out/` is
//   missing and run it with `electron-vite preview --skipBuild`.
// - Otherwise fall back to web mode: `easyquant serve` (the app's service API and the built
//   renderer on 127.0.0.1 at a free port), after one line saying so. It runs until Ctrl-C.
//
// Options: --web          force web mode
//          --rebuild      rebuild out/ even if it exists
//          --port N       web mode port (default: EQ_PORT or a free port)
// Env:     EQ_NO_ELECTRON_DOWNLOAD=1   don't try to fetch the Electron binary
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
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
  return fs.existsSync(path.join(OUT, 'main', 'index.js')) && fs.existsSync(path.join(OUT, 'preload', 'index.cjs')) && fs.existsSync(path.join(RENDERER_DIR, 'index.html'));
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
  runServe(port, forceWeb ? 'forced' : 'no-electron');
}

main();
