/**
 * The eqrun binaries the device tests use: built on first use with scripts/build-runners.mjs
 * (rebuilt when older than native/src, native/tools/eqrun or CMakeLists.txt), one build at a time.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../helpers/shared.js';

const NATIVE = path.join(PROJECT_ROOT, 'native');

export function runnerPath(target: 'linux-aarch64' | 'linux-x86_64'): string {
  return path.join(NATIVE, 'build', 'runners', target, 'eqrun');
}

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (/\.(cc|h|txt|cmake)$/.test(e.name)) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

export function ensureRunner(target: 'linux-aarch64' | 'linux-x86_64'): string {
  const bin = runnerPath(target);
  const src = Math.max(newest(path.join(NATIVE, 'src')), newest(path.join(NATIVE, 'tools', 'eqrun')), newest(path.join(NATIVE, 'cmake')), fs.statSync(path.join(NATIVE, 'CMakeLists.txt')).mtimeMs);
  if (fs.existsSync(bin) && fs.statSync(bin).mtimeMs >= src) return bin;
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build-runners.mjs'), target], { cwd: PROJECT_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 || !fs.existsSync(bin)) throw new Error(`building eqrun for ${target} failed:\n${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-30).join('\n')}`);
  return bin;
}
