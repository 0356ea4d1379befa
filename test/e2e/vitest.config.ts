// End-to-end suite (Playwright driving Debian's Chromium against web mode), run through vitest:
// `npm run test:e2e`. Sequential: one browser, one server per file.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/e2e/global-setup.ts'],
  },
});
