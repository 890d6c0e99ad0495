import { defineProject, mergeConfig } from 'vitest/config';
import { shared } from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineProject({
    test: {
      name: 'controller',
      // Files that need Kubernetes start their own control plane and PostgreSQL: one file at a time on
      // 2 shared cores. KONTROLER_RELIABILITY=full makes the reliability file the long scenario.
      fileParallelism: false,
      testTimeout: 60_000,
    },
  }),
);
