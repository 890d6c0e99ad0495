/**
 * One API on one fresh PostgreSQL database per test file, served over real HTTP on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPostgresStore, type PostgresStore } from '@kontroler/postgres';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createApp, type KontrolerApp } from '../../src/app.js';
import { hashPassword } from '../../src/auth/crypto.js';
import { createIdentity } from '../../src/auth/identity.js';
import type { ApiEngine, AppDeps, Grant, OidcOptions } from '../../src/types.js';
import { createFakeEngine, type FakeEngine } from './fake-engine.js';

export const TEST_SCRYPT_N = 1024;
export const PASSWORD = 'correct horse battery';

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string | undefined;
  body?: unknown;
  /** Sends `body` as is with this content type. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface Harness {
  readonly url: string;
  readonly store: PostgresStore;
  readonly engine: FakeEngine;
  readonly app: KontrolerApp;
  readonly jwtSecret: string;
  request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<Reply<T>>;
  /** Creates a user with these grants and logs in; returns its id and access token. */
  user(
    username: string,
    grants: Grant[],
    options?: { mustChangePassword?: boolean },
  ): Promise<{ id: string; token: string; refreshToken: string }>;
  close(): Promise<void>;
}

export async function startHarness(
  options: { oidc?: OidcOptions; engine?: (store: PostgresStore) => ApiEngine; deps?: Partial<AppDeps> } = {},
): Promise<Harness> {
  const db: TestDatabase = await createTestDatabase({ prefix: 'kontroler_api' });
  const store = await createPostgresStore({ url: db.url, poolSize: 5 });
  const engine = createFakeEngine(store);
  const jwtSecret = randomBytes(32).toString('hex');
  const app = createApp({
    store,
    engine: options.engine ? options.engine(store) : engine,
    sql: store.sql,
    auth: { jwtSecret, scryptN: TEST_SCRYPT_N, ...(options.oidc ? { oidc: options.oidc } : {}) },
    validateResponses: true,
    heartbeatMs: 200,
    logPollMs: 50,
    ...options.deps,
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const identity = createIdentity(store.sql);

  const request = async <T>(method: string, path: string, o: RequestOptions = {}): Promise<Reply<T>> => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.body !== undefined) {
      if (o.contentType) {
        headers['content-type'] = o.contentType;
        body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      } else {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(o.body);
      }
    }
    const response = await fetch(url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const parsed: unknown = /json/.test(type) && text.length > 0 ? JSON.parse(text) : text;
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  };

  return {
    url,
    store,
    engine,
    app,
    jwtSecret,
    request,
    async user(username, grants, userOptions = {}) {
      const row = await identity.createUser({
        username,
        passwordHash: await hashPassword(PASSWORD, TEST_SCRYPT_N),
        mustChangePassword: userOptions.mustChangePassword ?? false,
        grants,
      });
      const login = await request<{ accessToken: string; refreshToken: string }>(
        'POST',
        '/api/v1/auth/login',
        {
          body: { username, password: PASSWORD },
        },
      );
      if (login.status !== 200) throw new Error(`login of ${username} failed: ${login.status} ${login.text}`);
      return { id: row.id, token: login.body.accessToken, refreshToken: login.body.refreshToken };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      app.dispose();
      await store.close();
      await db.drop();
    },
  };
}

/** A small valid DAG. */
export function sampleDag(name = 'etl', extra: Record<string, unknown> = {}) {
  return {
    name,
    parameters: [{ name: 'region', defaultValue: 'eu' }],
    tasks: [
      { name: 'extract', image: 'alpine', command: ['sh', '-c', 'echo extract'] },
      { name: 'load', image: 'alpine', command: ['sh', '-c', 'echo load'], runAfter: ['extract'] },
    ],
    ...extra,
  };
}
