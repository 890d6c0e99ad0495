import { defineProject, mergeConfig } from 'vitest/config';
import { shared } from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineProject({
    test: {
      name: 'k8s-runtime',
      // One real control plane per run, shared by every test file; each test gets its own namespace.
      globalSetup: ['./test/global-setup.ts'],
      // Files run one at a time: the apiserver-restart test must not disturb others, and 2 cores are shared.
      fileParallelism: false,
      testTimeout: 30_000,
    },
  }),
);
