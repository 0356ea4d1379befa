/**
 * The eqrun binaries the device tests use: built on first use with scripts/build-runners.mjs
 * (rebuilt when older than native/src, native/tools/eqrun or CMakeLists.txt), one build at a time.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { newestSource } from '../../helpers/native.js';
import { PROJECT_ROOT } from '../../helpers/shared.js';

const NATIVE = path.join(PROJECT_ROOT, 'native');

export function runnerPath(target: 'linux-aarch64' | 'linux-x86_64'): string {
  return path.join(NATIVE, 'build', 'runners', target, 'eqrun');
}

export function ensureRunner(target: 'linux-aarch64' | 'linux-x86_64'): string {
  const bin = runnerPath(target);
  const src = Math.max(
    newestSource(path.join(NATIVE, 'src')),
    newestSource(path.join(NATIVE, 'tools', 'eqrun')),
    newestSource(path.join(NATIVE, 'cmake')),
    fs.statSync(path.join(NATIVE, 'CMakeLists.txt')).mtimeMs,
  );
  if (fs.existsSync(bin) && fs.statSync(bin).mtimeMs >= src) return bin;
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build-runners.mjs'), target], { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 || !fs.existsSync(bin)) throw new Error(`building eqrun for ${target} failed:\n${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-30).join('\n')}`);
  return bin;
}
