/**
 * `@kontroler/postgres/testing`: one PostgreSQL per test run (started by this package's vitest
 * globalSetup, or `KONTROLER_TEST_DATABASE_URL` / `DATABASE_URL`), one fresh database per test file.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the test run's PostgreSQL (its `postgres` database). */
    kontrolerPostgresUrl: string;
  }
}

export interface TestDatabase {
  /** URL of the new, empty database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database (closing any connection still open to it). */
  drop(): Promise<void>;
}

/** Replaces the database of a connection URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/** The test run's server URL: the vitest-provided one, else the environment's. */
export function testServerUrl(): string {
  const fromEnv = process.env.KONTROLER_TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  let provided: string | undefined;
  try {
    provided = inject('kontrolerPostgresUrl');
  } catch {
    provided = undefined;
  }
  const url = provided ?? fromEnv;
  if (!url) {
    throw new Error(
      'no test PostgreSQL: run through `npx vitest run --project postgres` or set KONTROLER_TEST_DATABASE_URL',
    );
  }
  return url;
}

/** Creates an empty database on the test server; drop it in `afterAll`. */
export async function createTestDatabase(
  options: { serverUrl?: string; prefix?: string } = {},
): Promise<TestDatabase> {
  const serverUrl = options.serverUrl ?? testServerUrl();
  const name = `${options.prefix ?? 'kontroler_test'}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(serverUrl, name),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
