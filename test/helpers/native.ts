/**
 * Makes sure the native addon exists and is newer than its sources before a native test runs:
 * builds it with cmake-js (Node-API only: headers from the node-api-headers package, nothing is
 * downloaded) when it is missing or stale. Test files run in parallel workers, so the build
 * is guarded by a lock directory; a worker that finds the lock waits for the other's build.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PROJECT_ROOT } from './shared.js';

export const NATIVE_DIR = path.join(PROJECT_ROOT, 'native');
export const ADDON_PATH = path.join(NATIVE_DIR, 'build', 'Release', 'eqm_native.node');
const LOCK = path.join(NATIVE_DIR, 'build', '.build-lock');
const STALE_LOCK_MS = 15 * 60_000;

/** Newest modification time of the native sources (.cc, .h, CMake files) under dir. */
export function newestSource(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newestSource(p));
    else if (/\.(cc|h|txt|cmake)$/.test(e.name)) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

function upToDate(): boolean {
  if (!fs.existsSync(ADDON_PATH)) return false;
  const built = fs.statSync(ADDON_PATH).mtimeMs;
  const src = Math.max(newestSource(path.join(NATIVE_DIR, 'src')), newestSource(path.join(NATIVE_DIR, 'addon')), fs.statSync(path.join(NATIVE_DIR, 'CMakeLists.txt')).mtimeMs);
  return built >= src;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function build(): void {
  const require = createRequire(path.join(PROJECT_ROOT, 'package.json'));
  const pkg = require.resolve('cmake-js/package.json');
  const bin = path.join(path.dirname(pkg), 'bin', 'cmake-js');
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [bin, 'build', '-d', NATIVE_DIR, '-p', '2'], { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 || !fs.existsSync(ADDON_PATH)) {
    const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new Error(`building the native addon failed (exit ${r.status}):\n${out}`);
  }
  console.log(`[native] built ${path.relative(PROJECT_ROOT, ADDON_PATH)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** Builds native/build/Release/eqm_native.node when missing or older than native/src, native/addon or CMakeLists.txt. */
export function ensureNativeAddon(): void {
  // another process may be linking the addon right now: a half-written file would look fresh
  const waitUntil = Date.now() + 20 * 60_000;
  while (fs.existsSync(LOCK) && Date.now() < waitUntil) {
    try {
      if (Date.now() - fs.statSync(LOCK).mtimeMs > STALE_LOCK_MS) break;
    } catch {
      break;
    }
    sleep(500);
  }
  if (upToDate()) return;
  fs.mkdirSync(path.dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(LOCK).mtimeMs > STALE_LOCK_MS) fs.rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // the lock vanished between the calls: retry
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for another native build');
      sleep(500);
    }
  }
  try {
    if (!upToDate()) build();
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Generous hook timeout for a first build on a busy 2-core machine. */
export const BUILD_TIMEOUT_MS = 15 * 60_000;
