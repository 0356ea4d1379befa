/** Runs the easyquant CLI as a child process (exactly as a user would). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from './shared.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'easyquant.mjs'), ...args], {
    cwd: opts.cwd ?? PROJECT_ROOT,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 600_000,
    env: { ...process.env, FORCE_COLOR: '0', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
