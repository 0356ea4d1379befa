/**
 * `easyquant --version` prints the package version; the help of the top level and of inspect,
 * calibrate and eval ends with 1–3 examples, and the examples on the MNIST and inspect
 * reference files run as printed (outputs redirected from runs/ to a temporary folder).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { describeShared, PROJECT_ROOT } from '../helpers/shared.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-cli-help-'));
const VERSION = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The example command lines at the end of a help text. */
function examplesOf(help: string): string[] {
  const at = help.indexOf('\nExamples:\n');
  expect(at, help).toBeGreaterThan(0);
  return help
    .slice(at)
    .split('\n')
    .filter((l) => l.startsWith('  easyquant '))
    .map((l) => l.trim());
}

const help: Record<string, string[]> = {};
for (const c of ['', 'inspect', 'calibrate', 'eval']) {
  const r = runCli(c ? [c, '--help'] : ['--help']);
  help[c] = r.code === 0 ? examplesOf(r.stdout) : [`exit ${r.code}: ${r.stderr}`];
}

describe('CLI version and help', () => {
  it('--version and -V print the package version', () => {
    for (const flag of ['--version', '-V']) {
      const r = runCli([flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(VERSION);
    }
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('top level, inspect, calibrate and eval --help end with 1-3 examples of that command', () => {
    for (const [c, ex] of Object.entries(help)) {
      expect(ex.length, `${c || 'top level'}: ${ex.join('\n')}`).toBeGreaterThanOrEqual(1);
      expect(ex.length).toBeLessThanOrEqual(3);
      if (c) for (const e of ex) expect(e.startsWith(`easyquant ${c} `), e).toBe(true);
    }
  });

  it('eval --help states the labels rule', () => {
    const r = runCli(['eval', '--help']);
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/labels\.tsv is used only when the card declares a classifier/);
  });
});

describeShared('CLI help examples run as printed', () => {
  // in order: calibrate examples write the runs/ folders the eval examples read
  const all = [...help['inspect']!, ...help['calibrate']!, ...help['']!, ...help['eval']!];
  const runnable = all.filter((e) => e.startsWith('easyquant inspect') || e.includes('../shared/data/mnist'));

  it('the MNIST and inspect examples exit 0', { timeout: 900_000 }, () => {
    expect(runnable.length).toBeGreaterThanOrEqual(5);
    for (const e of runnable) {
      const args = e
        .split(' ')
        .slice(1)
        .map((a) => a.replace(/^runs\//, `${tmp}/`));
      const r = runCli([...args, ...(args[0] === 'inspect' ? [] : ['--quiet'])]);
      expect(r.code, `${e}\n${r.stderr}`).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
    }
  });
});
