/**
 * The demo measures the native runtime. On a fresh clone (`npm ci` only) the addon is not
 * built yet: build it offline with cmake-js (a devDependency; Node-API headers come from the
 * node-api-headers package, nothing is downloaded), as `npm run build:native` does. When that
 * is impossible (no C++ compiler, a broken tree) the demo goes on with the TypeScript integer
 * reference and says why there is no native figure.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime } from '../engines/native/native-runtime.js';

export interface NativeStatus {
  available: boolean;
  /** why it is not available */
  reason?: string;
  /** set when the demo built the addon */
  builtSeconds?: number;
}

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function build(): { ok: boolean; log: string; seconds: number } {
  const t0 = performance.now();
  let bin: string;
  try {
    bin = path.join(path.dirname(createRequire(path.join(PROJECT_ROOT, 'package.json')).resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  } catch {
    return { ok: false, log: 'cmake-js is not installed', seconds: 0 };
  }
  const r = spawnSync(process.execPath, [bin, 'build', '-d', path.join(PROJECT_ROOT, 'native'), '-p', '2'], { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  const log = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ');
  return { ok: r.status === 0, log: r.error ? r.error.message : log, seconds: (performance.now() - t0) / 1000 };
}

/** Makes the native addon available if it can: loads it, or builds it first when `allowBuild`. */
export function ensureNativeRuntime(allowBuild: boolean, onMessage: (m: string) => void): NativeStatus {
  if (Runtime.available()) return { available: true };
  if (!allowBuild) return { available: false, reason: 'the native addon is not built (npm run build:native)' };
  onMessage('building the native runtime (cmake-js, offline; about a minute on 2 cores)…');
  const b = build();
  if (b.ok && Runtime.available()) return { available: true, builtSeconds: b.seconds };
  return { available: false, reason: `building the native addon failed: ${b.log.slice(0, 400)}` };
}
