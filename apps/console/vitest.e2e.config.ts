import { defineConfig } from 'vitest/config';

/** End-to-end tests in real Chromium against the real server; not part of the root project list. */
export default defineConfig({
  test: {
    name: 'console-e2e',
    root: import.meta.dirname,
    environment: 'node',
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
