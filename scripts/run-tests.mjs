#!/usr/bin/env node
// `npm test`: runs every test suite in order, streams their output, and ends with
// exactly one summary line as the very last line of output:
//
//   N passed, N failed
//
// Exit code is non-zero if anything failed. Each suite is an entry in SUITES below:
//   - kind 'check': a single command counted as ONE test (passed if exit code 0).
//   - kind 'vitest': a vitest run whose JSON report is parsed for per-test counts.
// Later suites (Playwright, device tests) are added to the list with their own parser.
//
// Usage: node scripts/run-tests.mjs [suite ...]   (default: all suites)
//        EQ_TEST_SKIP=lint,typecheck node scripts/run-tests.mjs   (skip suites by name)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));

/** Absolute path of a package's JS bin, run with the current node (no shell, works on Windows). */
function binOf(pkg, name = pkg) {
  const pkgJsonPath = require.resolve(`${pkg}/package.json`);
  const { bin } = JSON.parse(fs.readFileSync(pkgJsonPath, 'utf8'));
  const rel = typeof bin === 'string' ? bin : bin[name];
  return path.join(path.dirname(pkgJsonPath), rel);
}

const VITEST_JSON = path.join(ROOT, 'test-results', 'vitest.json');

/** @typedef {{ passed: number, failed: number, skipped: number, note?: string }} Counts */

const SUITES = [
  {
    name: 'typecheck',
    kind: 'check',
    cmd: () => [process.execPath, binOf('typescript', 'tsc'), '--noEmit', '-p', 'tsconfig.json'],
  },
  {
    // the renderer, .vue single-file components included (vue-tsc)
    name: 'typecheck-vue',
    kind: 'check',
    cmd: () => [process.execPath, binOf('vue-tsc'), '--noEmit', '-p', 'src-renderer/tsconfig.json'],
  },
  {
    name: 'lint',
    kind: 'check',
    cmd: () => [process.execPath, binOf('eslint'), '.'],
  },
  {
    // Prettier (.prettierrc.json) over the TypeScript, JavaScript and Vue sources, as `npm run format:check`
    name: 'format',
    kind: 'check',
    cmd: () => [process.execPath, binOf('prettier'), '--check', 'src-main', 'src-renderer', 'test', 'scripts'],
  },
  {
    name: 'unit',
    kind: 'vitest',
    report: VITEST_JSON,
    cmd: () => [process.execPath, binOf('vitest'), 'run', '--reporter=default', '--reporter=json', `--outputFile=${path.relative(ROOT, VITEST_JSON).split(path.sep).join('/')}`],
  },
  {
    // end-to-end and heavy tests (real models, CLI child processes, workers, servers, fuzzing):
    // test/integration, vitest.integration.config.ts
    name: 'integration',
    kind: 'vitest',
    report: path.join(ROOT, 'test-results', 'vitest-integration.json'),
    cmd: () => [
      process.execPath,
      binOf('vitest'),
      'run',
      '--config',
      'vitest.integration.config.ts',
      '--reporter=default',
      '--reporter=json',
      '--outputFile=test-results/vitest-integration.json',
    ],
  },
  {
    // device simulator (sshd, socat, qemu-aarch64-static boards): test/device, vitest.device.config.ts
    name: 'device',
    kind: 'vitest',
    report: path.join(ROOT, 'test-results', 'vitest-device.json'),
    cmd: () => [
      process.execPath,
      binOf('vitest'),
      'run',
      '--config',
      'vitest.device.config.ts',
      '--reporter=default',
      '--reporter=json',
      '--outputFile=test-results/vitest-device.json',
    ],
  },
  {
    // hostile input (oversized/malformed frames and bodies, bad card files, two servers on one
    // data folder, file modes): test/hostile, vitest.hostile.config.ts
    name: 'hostile',
    kind: 'vitest',
    report: path.join(ROOT, 'test-results', 'vitest-hostile.json'),
    cmd: () => [
      process.execPath,
      binOf('vitest'),
      'run',
      '--config',
      'vitest.hostile.config.ts',
      '--reporter=default',
      '--reporter=json',
      '--outputFile=test-results/vitest-hostile.json',
    ],
  },
  {
    // Playwright (playwright-core + /usr/bin/chromium) against web mode, run through vitest:
    // test/e2e, test/e2e/vitest.config.ts (builds out/renderer first if missing or stale)
    name: 'e2e',
    kind: 'vitest',
    report: path.join(ROOT, 'test-results', 'vitest-e2e.json'),
    cmd: () => [
      process.execPath,
      binOf('vitest'),
      'run',
      '--config',
      'test/e2e/vitest.config.ts',
      '--reporter=default',
      '--reporter=json',
      '--outputFile=test-results/vitest-e2e.json',
    ],
  },
];

/** Run a command with inherited stdio; resolves with its exit code (or 1 on spawn error / signal). */
function run([cmd, ...args], env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...env },
    });
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (err) => {
      console.error(`[run-tests] failed to start ${cmd}: ${err.message}`);
    });
    child.on('close', (code) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? 1); // killed by a signal counts as failure
    });
  });
}

/**
 * Counts from a vitest (jest-compatible) JSON report. A test file that failed without any
 * failing test (import error, crash in a hook) counts as one failure, so it cannot hide.
 * @returns {Counts}
 */
function countVitest(report) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let brokenFiles = 0;
  /** "file > test: first line of the error", repeated in the summary so a CI log tail names them. */
  const failures = [];
  // ANSI colour codes stripped (ESC is built with fromCharCode: a control character in a regex literal trips the linter)
  const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
  const firstLine = (msg) =>
    String(msg ?? '')
      .replace(ansi, '')
      .split('\n')
      .find((l) => l.trim()) ?? '';
  for (const file of report.testResults ?? []) {
    let fileFailed = 0;
    const rel = path.relative(ROOT, file.name ?? '');
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'passed') passed++;
      else if (t.status === 'failed') {
        failed++;
        fileFailed++;
        failures.push(`${rel} > ${t.fullName ?? t.title}: ${firstLine(t.failureMessages?.[0]).slice(0, 300)}`);
      } else skipped++; // pending, skipped, todo, disabled
    }
    if (file.status === 'failed' && fileFailed === 0) {
      brokenFiles++;
      failures.push(`${rel}: ${firstLine(file.message).slice(0, 300)}`);
    }
  }
  failed += brokenFiles;
  const counts = { passed, failed, skipped, failures };
  if (brokenFiles) counts.note = `${brokenFiles} test file(s) failed outside any test`;
  return counts;
}

/** @returns {Promise<Counts>} */
async function runSuite(suite) {
  if (suite.kind === 'check') {
    const code = await run(suite.cmd());
    return code === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 };
  }
  if (suite.kind === 'vitest') {
    fs.rmSync(suite.report, { force: true }); // never read a stale report
    fs.mkdirSync(path.dirname(suite.report), { recursive: true });
    const code = await run(suite.cmd());
    let counts;
    try {
      counts = countVitest(JSON.parse(fs.readFileSync(suite.report, 'utf8')));
    } catch (err) {
      return { passed: 0, failed: 1, skipped: 0, note: `no readable JSON report (${err.code ?? err.message})` };
    }
    if (code !== 0 && counts.failed === 0) {
      // e.g. "No test files found", unhandled errors, coverage thresholds.
      counts.failed = 1;
      counts.note = `vitest exited with code ${code} without a failing test in its report`;
    }
    return counts;
  }
  throw new Error(`unknown suite kind ${suite.kind}`);
}

async function main() {
  const only = process.argv.slice(2);
  const skip = (process.env.EQ_TEST_SKIP ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = [...only, ...skip].filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`[run-tests] unknown suite(s): ${unknown.join(', ')} (known: ${SUITES.map((s) => s.name).join(', ')})`);
    console.log('0 passed, 1 failed');
    process.exit(2);
  }
  const selected = SUITES.filter((s) => (only.length === 0 || only.includes(s.name)) && !skip.includes(s.name));

  const results = [];
  for (const suite of selected) {
    console.log(`\n===== [run-tests] ${suite.name} =====`);
    const started = Date.now();
    let counts;
    try {
      counts = await runSuite(suite);
    } catch (err) {
      console.error(`[run-tests] suite ${suite.name} crashed: ${err.stack ?? err}`);
      counts = { passed: 0, failed: 1, skipped: 0, note: 'runner error' };
    }
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    results.push({ name: suite.name, secs, ...counts });
  }

  const total = { passed: 0, failed: 0, skipped: 0 };
  console.log('\n===== [run-tests] summary =====');
  for (const r of results) {
    total.passed += r.passed;
    total.failed += r.failed;
    total.skipped += r.skipped;
    const status = r.failed ? 'FAIL' : 'ok  ';
    console.log(`${status} ${r.name.padEnd(13)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${r.secs}s)` + (r.note ? ` - ${r.note}` : ''));
    for (const f of r.failures ?? []) console.log(`       failed: ${f}`);
  }
  console.log(`(${total.skipped} skipped)`);
  // Must stay the very last line of output, exactly "N passed, N failed".
  console.log(`${total.passed} passed, ${total.failed} failed`);
  process.exitCode = total.failed > 0 ? 1 : 0;
}

await main();
