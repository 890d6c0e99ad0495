/** Starts ONE embedded PostgreSQL for the api test run (unless an external one is configured). */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
// The launcher has no workspace dependencies, so it loads here, outside the `source` resolution.
import { launchEmbeddedPostgres } from '../../../packages/postgres/src/embedded-launch.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KONTROLER_TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (external) {
    project.provide('kontrolerPostgresUrl', external);
    return async () => undefined;
  }
  const dataDir = join(tmpdir(), `kontroler-api-test-${randomBytes(4).toString('hex')}`);
  const server = await launchEmbeddedPostgres({
    dataDir,
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
  });
  project.provide('kontrolerPostgresUrl', server.url);
  return async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
