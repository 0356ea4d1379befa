// Device-simulator tests (npm run test:device): sshd, socat ptys and qemu-aarch64-static
// boards started by the tests themselves. Kept apart from the unit suite (vitest.config.ts
// only includes test/unit). One file at a time: each starts qemu boards on a 2-core machine.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/device/**/*.test.ts'],
    testTimeout: 1_500_000,
    hookTimeout: 1_800_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
