import { defineConfig } from 'vitest/config';

/** Settings every workspace's vitest project shares: workspace packages resolve to their TypeScript source. */
export const shared = defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
