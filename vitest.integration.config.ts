// End-to-end and heavy tests (npm run test:integration): the ../shared models calibrated and
// evaluated, CLI child processes, the native addon over datasets, the app service with its
// workers, servers, fuzzing under sanitizers. Kept apart from the fast suite (vitest.config.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
