#!/usr/bin/env node
// Builds the native engine (Node-API addon native/build/Release/eqm_native.node) offline with
// cmake-js: Node-API headers come from the node-api-headers package, nothing is downloaded.
//
// Runs as the project's `postinstall` (so `npm ci` gives the fast engine) and as
// `npm run build:native` (--force: rebuild even when up to date).
//
// - addon newer than its sources: nothing to do.
// - no C++ compiler or no cmake: one clear warning, exit 0. The app then runs on the TypeScript
//   engines (much slower) and shows a banner with a one-click build.
// - a compiler exists but the build fails: the tail of the log and exit 1, so a broken build is
//   never mistaken for a working install.
// Env: EQ_SKIP_NATIVE_BUILD=1 skips the build (packaging steps that build it themselves).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE_DIR = path.join(ROOT, 'native');
const ADDON = path.join(NATIVE_DIR, 'build', 'Release', 'eqm_native.node');
const LOCK = path.join(NATIVE_DIR, 'build', '.build-lock');
const force = process.argv.includes('--force');

const say = (m) => console.log(`[easyquant] ${m}`);

function newestSource(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestSource(p));
    else if (/\.(cc|h|txt|cmake)$/.test(e.name)) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

function upToDate() {
  if (!fs.existsSync(ADDON)) return false;
  const src = Math.max(newestSource(path.join(NATIVE_DIR, 'src')), newestSource(path.join(NATIVE_DIR, 'addon')), fs.statSync(path.join(NATIVE_DIR, 'CMakeLists.txt')).mtimeMs);
  return fs.statSync(ADDON).mtimeMs >= src;
}

function onPath(cmd) {
  if (path.isAbsolute(cmd)) return fs.existsSync(cmd);
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
}

function missingTools() {
  const missing = [];
  const cxx = process.env.CXX ? [process.env.CXX.split(' ')[0]] : ['c++', 'g++', 'clang++'];
  if (!cxx.some(onPath)) missing.push('a C++17 compiler (g++ or clang++)');
  if (!onPath('cmake')) missing.push('cmake');
  return missing;
}

function main() {
  if (process.env.EQ_SKIP_NATIVE_BUILD === '1') {
    say('native engine build skipped (EQ_SKIP_NATIVE_BUILD=1)');
    return 0;
  }
  if (!force && upToDate()) {
    say(`native engine up to date (${path.relative(ROOT, ADDON)})`);
    return 0;
  }
  const missing = missingTools();
  if (missing.length) {
    say(`WARNING: the native engine was not built: ${missing.join(' and ')} not found.`);
    say('  The app works on the TypeScript engines meanwhile (EQ calibration ~50x slower).');
    say('  Install them (Debian/Ubuntu: apt-get install build-essential cmake), then run: npm run build:native');
    return 0;
  }
  let cmakeJs;
  try {
    const require = createRequire(path.join(ROOT, 'package.json'));
    cmakeJs = path.join(path.dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  } catch {
    say('WARNING: cmake-js is not installed (a devDependency); the native engine was not built. Run `npm install` then `npm run build:native`.');
    return 0;
  }
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  try {
    fs.mkdirSync(LOCK);
  } catch {
    // a stale lock of an interrupted build: this process is the builder now
  }
  const jobs = String(Math.max(1, os.availableParallelism?.() ?? os.cpus().length));
  say(`building the native engine (cmake-js, offline, ${jobs} jobs; a few minutes on 2 cores)…`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [cmakeJs, 'build', '-d', NATIVE_DIR, '-p', jobs], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20 });
  fs.rmSync(LOCK, { recursive: true, force: true });
  if (r.status !== 0 || !fs.existsSync(ADDON)) {
    const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`.trim().split('\n').slice(-40).join('\n');
    console.error(log);
    console.error(`[easyquant] error: building the native engine failed (exit ${r.status}); see the compiler output above. Retry with: npm run build:native`);
    return 1;
  }
  say(`native engine built in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${path.relative(ROOT, ADDON)}`);
  return 0;
}

process.exit(main());
