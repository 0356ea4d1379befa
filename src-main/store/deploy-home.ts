/**
 * Where deploy state lives: `<data folder>/deploy` (SSH known_hosts, push cache
 * `cache/<device>.json`), next to the projects database, so there is one data root.
 * EQ_DEPLOY_HOME still overrides it for one release, with a one-line notice on stderr.
 *
 * Host keys trusted under the old default (~/.easyquant/known_hosts) are copied over once when
 * the new file does not exist yet: losing them would mean trust-on-first-use again, i.e.
 * silently accepting whatever key a board (or an impostor) presents next. The old file stays.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultDataDir } from './data-dir.js';

export interface DeployHomeOptions {
  env?: NodeJS.ProcessEnv;
  /** the old default deploy home (tests) */
  oldDefault?: string;
  notice?: (line: string) => void;
}

let noticed = false;
const stderrOnce = (line: string): void => {
  if (noticed) return;
  noticed = true;
  process.stderr.write(`${line}\n`);
};

const oldDefault = (o: DeployHomeOptions): string => o.oldDefault ?? path.join(os.homedir(), '.easyquant');

/** The deploy home of earlier versions: EQ_DEPLOY_HOME, else ~/.easyquant (its results.jsonl and devices.json are imported). */
export function legacyDeployHome(o: DeployHomeOptions = {}): string {
  return path.resolve((o.env ?? process.env)['EQ_DEPLOY_HOME'] || oldDefault(o));
}

export function deployHome(dataRoot: string = defaultDataDir(), o: DeployHomeOptions = {}): string {
  const override = (o.env ?? process.env)['EQ_DEPLOY_HOME'];
  const home = path.resolve(dataRoot, 'deploy');
  if (override) {
    (o.notice ?? stderrOnce)(`easyquant: EQ_DEPLOY_HOME is deprecated and will be ignored in the next release; deploy state belongs in ${home} (unset EQ_DEPLOY_HOME to use it)`);
    return path.resolve(override);
  }
  copyOldKnownHosts(path.join(oldDefault(o), 'known_hosts'), path.join(home, 'known_hosts'));
  return home;
}

/** Copies `from` to `to` when `to` does not exist; atomic (a crash never leaves a partial file) and never overwrites. */
export function copyOldKnownHosts(from: string, to: string): boolean {
  if (fs.existsSync(to) || !fs.existsSync(from)) return false;
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const tmp = `${to}.import-${process.pid}`;
  try {
    fs.copyFileSync(from, tmp);
    fs.chmodSync(tmp, 0o600);
    fs.linkSync(tmp, to); // fails with EEXIST if another process got there first: theirs wins
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`could not copy the known SSH host keys from ${from} to ${to}: ${(e as Error).message}`);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}
