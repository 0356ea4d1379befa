// Fast tests (npm run test:unit): pure computation and small fixtures, no processes, workers,
// servers or real-model calibration runs. The heavy ones are in test/integration
// (vitest.integration.config.ts); see CONTRIBUTING.md for which goes where.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
