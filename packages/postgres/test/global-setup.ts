/** Starts ONE embedded PostgreSQL for the whole test run (unless an external one is configured). */
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { launchEmbeddedPostgres } from '../src/embedded-launch.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KONTROLER_TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (external) {
    project.provide('kontrolerPostgresUrl', external);
    return async () => undefined;
  }
  const dataDir = join(tmpdir(), `kontroler-pg-test-${randomBytes(4).toString('hex')}`);
  const server = await launchEmbeddedPostgres({
    dataDir,
    // A throw-away cluster: durability is not what these tests are about.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '400' },
  });
  project.provide('kontrolerPostgresUrl', server.url);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
