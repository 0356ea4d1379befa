/**
 * Host builds of the native command-line tools (plain CMake + Ninja, no Node headers), for
 * tests that run them as processes: the kernel tests, the sanitizer fuzz build. Serialised
 * with a lock directory per build folder, rebuilt when a source is newer than the binary.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NATIVE_DIR, newestSource } from './native.js';

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Builds `target` in native/build/<folder> with the given CMake options; returns the binary's path. */
export function ensureHostTool(folder: string, target: string, cmakeArgs: string[] = []): string {
  const dir = path.join(NATIVE_DIR, 'build', folder);
  const bin = path.join(dir, target);
  const lock = `${dir}.lock`;
  const fresh = () =>
    fs.existsSync(bin) &&
    fs.statSync(bin).mtimeMs >=
      Math.max(
        newestSource(path.join(NATIVE_DIR, 'src')),
        newestSource(path.join(NATIVE_DIR, 'tools')),
        newestSource(path.join(NATIVE_DIR, 'tests')),
        fs.statSync(path.join(NATIVE_DIR, 'CMakeLists.txt')).mtimeMs,
      );
  if (fresh()) return bin;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() - fs.statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 30 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for another build in ${dir}`);
      sleep(500);
    }
  }
  try {
    if (!fresh()) {
      const run = (args: string[]) => {
        const r = spawnSync('cmake', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
        if (r.status !== 0) throw new Error(`cmake ${args.join(' ')} failed:\n${`${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-30).join('\n')}`);
      };
      run(['-S', NATIVE_DIR, '-B', dir, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release', ...cmakeArgs]);
      run(['--build', dir, '--target', target, '-j', '2']);
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  return bin;
}
