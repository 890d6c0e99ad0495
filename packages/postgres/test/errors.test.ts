/** Bad connection settings give one-line STORE_UNAVAILABLE errors that say what to do. */
import { describe, expect, it } from 'vitest';
import { KontrolerError } from '@kontroler/core';
import { testServerUrl, withDatabase } from '@kontroler/postgres/testing';
import { createPostgresStore, freePort } from '@kontroler/postgres';

async function failure(url: string): Promise<KontrolerError> {
  const error = await createPostgresStore({ url }).then(
    async (store) => {
      await store.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  if (!KontrolerError.is(error, 'STORE_UNAVAILABLE'))
    throw new Error(`expected STORE_UNAVAILABLE, got ${String(error)}`);
  expect(error.message).not.toContain('\n');
  return error;
}

describe('connection errors', () => {
  it('says the server refused the connection', async () => {
    const port = await freePort();
    const error = await failure(`postgres://postgres:postgres@127.0.0.1:${port}/kontroler`);
    expect(error.message).toBe(
      `PostgreSQL refused the connection at 127.0.0.1:${port}/kontroler: start the server or fix DATABASE_URL`,
    );
  });

  it('says the credentials were rejected', async () => {
    const url = new URL(testServerUrl());
    url.password = 'not-the-password';
    const error = await failure(url.toString());
    expect(error.message).toBe(
      `PostgreSQL rejected the credentials for 127.0.0.1:${url.port}/postgres: fix the user name or password in DATABASE_URL`,
    );
    expect(error.message).not.toContain('not-the-password');
  });

  it('says the database does not exist and how to create it', async () => {
    const url = withDatabase(testServerUrl(), 'kontroler_missing_db');
    const port = new URL(url).port;
    const error = await failure(url);
    expect(error.message).toBe(
      `database "kontroler_missing_db" does not exist on 127.0.0.1:${port}: create it (createdb kontroler_missing_db) or fix DATABASE_URL`,
    );
  });

  it('refuses to start without a URL', async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      await expect(createPostgresStore({})).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
        message: 'no PostgreSQL URL: set DATABASE_URL or pass { url } to createPostgresStore',
      });
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });
});
