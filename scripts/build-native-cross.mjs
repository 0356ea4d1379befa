#!/usr/bin/env node
// Cross-builds the native kernel library (eqrt) and its kernel tests (eq-kernel-tests) for
// 64-bit ARM Linux with Debian's g++-aarch64-linux-gnu, statically linked, into
// native/build/aarch64/ (CMake + Ninja, toolchain native/cmake/aarch64-linux-gnu.cmake).
// Incremental: configures once, then Ninja rebuilds only what changed.
//
//   npm run build:native:arm64               # eqrt + eq-kernel-tests
//   npm run build:native:arm64 -- --all      # every target (also eqm-run, eqm-fuzz)
//   qemu-aarch64-static -cpu cortex-a53 native/build/aarch64/eq-kernel-tests
//
// Exit code 0 on success, 1 on a build failure, 2 when a required tool is missing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(ROOT, 'native');
const OUT = path.join(SRC, 'build', 'aarch64');
const TOOLCHAIN = path.join(SRC, 'cmake', 'aarch64-linux-gnu.cmake');
const REQUIRED = ['aarch64-linux-gnu-g++', 'cmake', 'ninja'];

function onPath(tool) {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, tool)));
}

function run(cmd, args) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return r.status ?? 1;
}

function main(argv) {
  const all = argv.includes('--all');
  const unknown = argv.filter((a) => a !== '--all');
  if (unknown.length) {
    console.error(`build-native-cross: unknown argument ${unknown[0]} (expected --all)`);
    return 2;
  }
  const missing = REQUIRED.filter((t) => !onPath(t));
  if (missing.length) {
    console.error(`build-native-cross: missing ${missing.join(', ')} (Debian: apt-get install g++-aarch64-linux-gnu cmake ninja-build)`);
    return 2;
  }
  // (re)configure when there is no Ninja build yet or it was configured for another toolchain
  const cache = path.join(OUT, 'CMakeCache.txt');
  const configured =
    fs.existsSync(path.join(OUT, 'build.ninja')) &&
    fs.existsSync(cache) &&
    fs
      .readFileSync(cache, 'utf8')
      .split('\n')
      .some((l) => /^CMAKE_TOOLCHAIN_FILE:[A-Z]*=/.test(l) && l.slice(l.indexOf('=') + 1) === TOOLCHAIN);
  if (!configured) {
    fs.rmSync(OUT, { recursive: true, force: true });
    const rc = run('cmake', ['-S', SRC, '-B', OUT, '-G', 'Ninja', `-DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN}`, '-DCMAKE_BUILD_TYPE=Release']);
    if (rc !== 0) return 1;
  }
  const targets = all ? [] : ['--target', 'eqrt', 'eq-kernel-tests'];
  const rc = run('cmake', ['--build', OUT, ...targets, '-j', '2']);
  if (rc !== 0) return 1;
  console.log(`build-native-cross: ok → ${path.relative(ROOT, path.join(OUT, 'eq-kernel-tests'))}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
