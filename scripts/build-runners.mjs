#!/usr/bin/env node
// `npm run build:runners`: builds the on-device runner eqrun (native/tools/eqrun) for every
// board target with Debian's compilers, into native/build/runners/<target>/eqrun.
//
//   node scripts/build-runners.mjs                 # all targets whose compiler is installed
//   node scripts/build-runners.mjs linux-aarch64   # one target (fails if its compiler is missing)
//
// linux-x86_64 uses the host compiler; linux-aarch64 uses g++-aarch64-linux-gnu through
// native/cmake/aarch64-linux-gnu.cmake and is linked statically (it runs on any aarch64 Linux,
// and under qemu-aarch64-static in the device tests). linux-armv7 is not built yet.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE = path.join(ROOT, 'native');

const TARGETS = {
  'linux-x86_64': { compiler: 'c++', toolchain: null, hostArch: 'x64' },
  'linux-aarch64': { compiler: 'aarch64-linux-gnu-g++', toolchain: path.join(NATIVE, 'cmake', 'aarch64-linux-gnu.cmake'), hostArch: null },
};

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd, args) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT });
  if (r.status !== 0) throw new Error(`${cmd} failed (exit ${r.status ?? r.signal})`);
}

export function buildRunner(target) {
  const t = TARGETS[target];
  if (!t) throw new Error(`unknown runner target '${target}' (known: ${Object.keys(TARGETS).join(', ')})`);
  if (!t.toolchain && process.arch !== t.hostArch) throw new Error(`${target} can only be built on a ${t.hostArch} host`);
  if (!have(t.compiler)) throw new Error(`${target}: compiler ${t.compiler} not found (apt-get install ${t.toolchain ? 'g++-aarch64-linux-gnu' : 'build-essential'})`);
  const dir = path.join(NATIVE, 'build', 'runners', target);
  const args = ['-S', NATIVE, '-B', dir, '-DCMAKE_BUILD_TYPE=Release'];
  if (have('ninja')) args.push('-G', 'Ninja');
  if (t.toolchain) args.push(`-DCMAKE_TOOLCHAIN_FILE=${t.toolchain}`);
  run('cmake', args);
  run('cmake', ['--build', dir, '--target', 'eqrun', '-j', '2']);
  const bin = path.join(dir, 'eqrun');
  if (!fs.existsSync(bin)) throw new Error(`${target}: build finished but ${bin} is missing`);
  console.log(`built ${path.relative(ROOT, bin)} (${(fs.statSync(bin).size / 1e6).toFixed(1)} MB)`);
  return bin;
}

function main() {
  const asked = process.argv.slice(2);
  const targets = asked.length ? asked : Object.keys(TARGETS);
  let failed = 0;
  for (const target of targets) {
    try {
      const t = TARGETS[target];
      if (!asked.length && t && !have(t.compiler)) {
        console.log(`skipping ${target}: ${t.compiler} not installed`);
        continue;
      }
      buildRunner(target);
    } catch (e) {
      console.error(`build-runners: ${e.message}`);
      failed++;
    }
  }
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
