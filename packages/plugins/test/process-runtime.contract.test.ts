/** The process runtime against the Runtime contract every runtime shares. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { runtimeContractSuite } from '@kontroler/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { createProcessRuntime } from '../src/process-runtime/runtime.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(os.tmpdir(), 'kontroler-process-contract-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

runtimeContractSuite(() => createProcessRuntime({ workDir: root, killGraceMs: 300 }), {
  name: 'process',
  stopWithinMs: 3000,
  // What a process attempt leaves on the host is its run's working directory.
  leftovers: async (runtime, ctx) => existsSync(dirname(runtime.workDirFor(ctx.runId))),
});
