/**
 * The aarch64 kernels (issue 3, scope 10): cross-builds eq-kernel-tests with
 * g++-aarch64-linux-gnu (scripts/build-native-cross.mjs, incremental) and runs it under
 * qemu-aarch64-static, where every NEON / dotprod kernel is checked bit for bit against the
 * scalar reference:
 *  - `-cpu cortex-a53` (ARMv8.0, no dot product): getauxval must detect "neon" and the
 *    SMLAL int16-intermediate kernels run;
 *  - `-cpu cortex-a76` (ARMv8.2 + dotprod): "dotprod" must be detected and SDOT runs;
 *  - cortex-a76 with EQ_ISA=neon and EQ_ISA=scalar: the forced levels select those kernels;
 *  - EQ_ISA=dotprod on a cortex-a53 is refused with a clear message.
 * qemu timings mean nothing; only correctness is checked. Skipped, with the reason in the
 * test name, when the cross compiler or qemu is not installed (CI installs both).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS } from '../helpers/native.js';
import { PROJECT_ROOT } from '../helpers/shared.js';

const TESTS_BIN = path.join(PROJECT_ROOT, 'native', 'build', 'aarch64', 'eq-kernel-tests');
const QEMU = 'qemu-aarch64-static';
const RUN_TIMEOUT_MS = 10 * 60_000; // qemu on 2 shared cores; a safety net, not a speed check

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d !== '' && fs.existsSync(path.join(d, tool)));
}

const missing = ['aarch64-linux-gnu-g++', QEMU, 'cmake', 'ninja'].filter((t) => !onPath(t));
const skipReason = missing.length ? ` (skipped: ${missing.join(', ')} not installed)` : '';
if (skipReason) console.warn(`[skip] native-arm-qemu${skipReason}`);

interface QemuRun {
  status: number | null;
  out: string;
  detected: string | undefined;
  level: string | undefined;
  summary: { passed: number; failed: number } | undefined;
  seconds: number;
}

function runUnderQemu(cpu: string, isa: string | undefined, filter: string[] = []): QemuRun {
  const env = { ...process.env };
  delete env.EQ_ISA;
  if (isa) env.EQ_ISA = isa;
  const t0 = Date.now();
  const r = spawnSync(QEMU, ['-cpu', cpu, TESTS_BIN, ...filter], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (Date.now() - t0) / 1000;
  if (r.error) throw new Error(`${QEMU}: ${r.error.message}`);
  const out = `${r.stdout}${r.stderr}`;
  const summary = /^(\d+) passed, (\d+) failed$/m.exec(out);
  console.log(
    `[native-arm-qemu] -cpu ${cpu}${isa ? ` EQ_ISA=${isa}` : ''}${filter.length ? ` ${filter.join(' ')}` : ''}: ${summary?.[0] ?? `exit ${r.status}`} in ${seconds.toFixed(1)} s`,
  );
  return {
    status: r.status,
    out,
    detected: /detected ISA (\w+)/.exec(out)?.[1],
    level: /arm: ISA level (.*)$/m.exec(out)?.[1],
    summary: summary ? { passed: Number(summary[1]), failed: Number(summary[2]) } : undefined,
    seconds,
  };
}

/** Every test passed, and the ARM-specific ones were compiled in (EQ_HAVE_NEON). */
function expectAllPassed(r: QemuRun, label: string): void {
  const failures = r.out
    .split('\n')
    .filter((l) => /^\s*FAIL/.test(l))
    .slice(0, 10)
    .join('\n');
  expect(r.summary, `${label}: no summary line in\n${r.out.slice(-2000)}`).toBeDefined();
  expect(r.summary!.failed, `${label}: failures\n${failures}`).toBe(0);
  expect(r.status, label).toBe(0);
  for (const name of [
    'arm_igemm_int16_worst_case',
    'arm_igemm_strided_b_and_c',
    'arm_dwconv_neon_matches_scalar',
    'igemm_every_isa_matches_scalar',
    'arm_output_stage_neon_matches_scalar',
    'arm_output_stage_neon_ties_round_to_even',
    'im2col_variants_match_reference',
  ])
    expect(r.out, `${label}: ${name} did not run`).toMatch(new RegExp(`^ok\\s+${name}$`, 'm'));
}

describe.skipIf(missing.length > 0)(`aarch64 kernels under qemu-aarch64-static${skipReason}`, () => {
  beforeAll(() => {
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build-native-cross.mjs')], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0 || !fs.existsSync(TESTS_BIN)) {
      const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
      throw new Error(`cross-building eq-kernel-tests for aarch64 failed (exit ${r.status}):\n${tail}`);
    }
  }, BUILD_TIMEOUT_MS);

  it(
    'cortex-a53 (no dotprod): detects neon, SMLAL kernels bit-exact vs scalar',
    () => {
      const r = runUnderQemu('cortex-a53', undefined);
      expect(r.detected).toBe('neon');
      expect(r.out).toContain('(available: scalar,neon)');
      expect(r.level).toBe('neon -> int8 neon-int8-smlal, int7 neon-int7-smlal, dw3x3s1 dw-neon');
      expectAllPassed(r, 'cortex-a53');
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'cortex-a76 (dotprod): detects dotprod, SDOT kernels bit-exact vs scalar',
    () => {
      const r = runUnderQemu('cortex-a76', undefined);
      expect(r.detected).toBe('dotprod');
      expect(r.out).toContain('(available: scalar,neon,dotprod)');
      expect(r.level).toBe('dotprod -> int8 dotprod-sdot, int7 dotprod-sdot, dw3x3s1 dw-neon');
      expectAllPassed(r, 'cortex-a76');
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'cortex-a76 with EQ_ISA=neon selects the SMLAL kernels',
    () => {
      const r = runUnderQemu('cortex-a76', 'neon');
      expect(r.detected).toBe('dotprod'); // the CPU still has it; the level is forced down
      expect(r.level).toBe('neon -> int8 neon-int8-smlal, int7 neon-int7-smlal, dw3x3s1 dw-neon');
      expectAllPassed(r, 'cortex-a76 EQ_ISA=neon');
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'cortex-a76 with EQ_ISA=scalar selects the scalar kernels',
    () => {
      const r = runUnderQemu('cortex-a76', 'scalar');
      expect(r.level).toBe('scalar -> int8 scalar, int7 scalar, dw3x3s1 dw-scalar');
      expectAllPassed(r, 'cortex-a76 EQ_ISA=scalar');
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'EQ_ISA=dotprod on a cortex-a53 is refused, naming what is available',
    () => {
      const r = runUnderQemu('cortex-a53', 'dotprod', ['arm_igemm_selected_for_eq_isa']);
      expect(r.status).toBe(1);
      expect(r.out).toContain("ISA 'dotprod' is not available on this CPU/build (available: scalar,neon)");
    },
    RUN_TIMEOUT_MS,
  );
});
