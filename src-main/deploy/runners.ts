/**
 * Where the host finds the eqrun binary for a board's architecture: EQ_RUNNERS_DIR, the
 * packaged app's resources/runners, or the build output of `npm run build:runners`
 * (native/build/runners/<target>/eqrun).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Runner target for a `uname -m` value. */
export function targetForMachine(machine: string): string {
  const m = machine.trim();
  if (m === 'aarch64' || m === 'arm64') return 'linux-aarch64';
  if (m === 'x86_64' || m === 'amd64') return 'linux-x86_64';
  if (/^armv7/.test(m) || m === 'armhf') return 'linux-armv7';
  throw new Error(`no eqrun runner for machine type '${m}' (supported: aarch64, x86_64)`);
}

export function runnerCandidates(target: string): string[] {
  const list: string[] = [];
  if (process.env.EQ_RUNNERS_DIR) list.push(path.resolve(process.env.EQ_RUNNERS_DIR, target, 'eqrun'));
  const res = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (res) list.push(path.join(res, 'runners', target, 'eqrun'));
  for (const up of ['../..', '../../..']) list.push(path.resolve(here, up, 'native', 'build', 'runners', target, 'eqrun'));
  return [...new Set(list)];
}

export function findRunner(machine: string): string {
  const target = targetForMachine(machine);
  const found = runnerCandidates(target).find((p) => fs.existsSync(p));
  if (!found) throw new Error(`eqrun for ${target} not found (looked in ${runnerCandidates(target).join(', ')}); build it with 'npm run build:runners'`);
  return found;
}
