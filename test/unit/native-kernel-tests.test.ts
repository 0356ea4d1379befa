/**
 * The C++ kernel tests on this host (native/tests: x86 GEMM/depthwise/eltwise kernels against
 * their scalar references, Winograd, the thread pool, ...). The ARM variants of the same binary
 * run under qemu in test/integration/native-arm-qemu.test.ts; here every test the host build
 * contains must pass, and the AVX-512 depthwise, AVX2 eltwise, FP32 helper and FP32 MatMul suites must be among them.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS } from '../helpers/native.js';
import { ensureHostTool } from '../helpers/native-tools.js';

const RUN_TIMEOUT_MS = 5 * 60_000; // loaded 2-core CI; a safety net, not a speed check

describe('native kernel tests (host build)', () => {
  it(
    'passes every C++ kernel test',
    () => {
      const bin = ensureHostTool('host', 'eq-kernel-tests');
      const r = spawnSync(bin, [], { encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
      const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
      expect(r.signal, out).toBeNull();
      expect(r.status, out).toBe(0);
      const summary = /(\d+) passed, (\d+) failed/.exec(r.stdout ?? '');
      expect(summary?.[2], out).toBe('0');
      expect(Number(summary?.[1]), out).toBeGreaterThanOrEqual(20);
      expect(out).toMatch(/^ok\s+x86_add_requantize_dequantize_match_scalar/m);
      expect(out).toMatch(/^ok\s+\S*dw\S*avx512/im);
      expect(out).toMatch(/^ok\s+x86_sigmoid_f32_matches_scalar/m);
      expect(out).toMatch(/^ok\s+x86_matmul_f32_avx2_matches_scalar/m);
    },
    BUILD_TIMEOUT_MS + RUN_TIMEOUT_MS,
  );
});
