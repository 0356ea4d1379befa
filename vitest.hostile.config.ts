// Hostile-input tests (npm run test:hostile): oversized and malformed WebSocket frames and HTTP
// bodies against a real `easyquant serve` child, broken card files, bad preprocess flags, two
// servers on one data folder, file permissions. Kept apart from the unit suite (vitest.config.ts
// only includes test/unit). One file at a time: several start server processes.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/hostile/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
