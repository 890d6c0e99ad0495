/**
 * One API on one fresh PostgreSQL database per test file, served over real HTTP on 127.0.0.1, with the
 * real engine from `@kontroler/core` on the same store. Its runtime is a `FakeRuntime` on a `FakeClock`:
 * tasks hang until aborted unless a test scripts them, and scripted delays end only when the test advances
 * the clock, so every state a test looks at is one it chose.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createEngine,
  RUN_EVENT_NAMES,
  type Engine,
  type EngineOptions,
  type RunSnapshot,
  type RunState,
} from '@kontroler/core';
import { FakeClock, FakeRuntime, type ScriptedOutcome } from '@kontroler/core/testing';
import { createPostgresStore, type PostgresStore } from '@kontroler/postgres';
import { createTestDatabase, type TestDatabase } from '@kontroler/postgres/testing';
import { createApp, type KontrolerApp } from '../../src/app.js';
import { hashPassword } from '../../src/auth/crypto.js';
import { createIdentity } from '../../src/auth/identity.js';
import type { AppDeps, Grant, OidcOptions } from '../../src/types.js';

export const TEST_SCRYPT_N = 1024;
export const PASSWORD = 'correct horse battery';

/** What an unscripted task does: run until the engine aborts it (a cancel), so runs stay active. */
export const HANG: ScriptedOutcome = { exitCode: 0, hang: true };
/** Succeeds at once. */
export const SUCCEED: ScriptedOutcome = { exitCode: 0 };
/** Fails for good at once (no retry). */
export const FAIL: ScriptedOutcome = { exitCode: 1, nonRetryable: true };

/** How long the harness waits for the engine to reach a state before failing the test. */
const WAIT_MS = 15_000;

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
  /** The test database, for a second API replica over the same PostgreSQL (`startApiReplica`). */
  readonly databaseUrl: string;
  readonly store: PostgresStore;
  /** The real engine, started, on `store`, `runtime` and `clock`. */
  readonly engine: Engine;
  /** The engine's only runtime: script outcomes per task (`HANG` unless scripted). */
  readonly runtime: FakeRuntime;
  /** The engine's clock: scripted delays and retry backoffs pass only when a test advances it. */
  readonly clock: FakeClock;
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
  /**
   * Resolves with the run's snapshot once `until` holds for it (a run state, or a predicate), checking
   * again after every engine event and every 25 ms; rejects after 15 s with the last snapshot seen.
   */
  waitForRun(runId: string, until: RunState | ((snapshot: RunSnapshot) => boolean)): Promise<RunSnapshot>;
  /**
   * Resolves once the runtime has been handed `count` attempts of `task` in this run (so a scripted delay
   * is armed on `clock` and a script change no longer affects them).
   */
  executed(runId: string, task: string, count?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  options: {
    oidc?: OidcOptions;
    deps?: Partial<AppDeps>;
    /** Engine options beside the harness's own (notifiers, plugins). */
    engine?: Pick<EngineOptions, 'notifiers' | 'plugins'>;
  } = {},
): Promise<Harness> {
  const db: TestDatabase = await createTestDatabase({ prefix: 'kontroler_api' });
  const store = await createPostgresStore({ url: db.url, poolSize: 5 });
  const clock = new FakeClock(Date.now());
  const runtime = new FakeRuntime({ clock, defaultOutcome: HANG });
  const engine = createEngine({
    store,
    runtimes: [runtime],
    clock,
    // Hanging attempts hold their slot until canceled; tests create hundreds.
    concurrency: 100_000,
    // Timers run on the fake clock: polls, retries and grace periods happen only when a test advances it.
    pollIntervalMs: 20,
    timing: { initialDelayMs: 10, factor: 1, maxDelayMs: 10, jitter: 0 },
    abortGraceMs: 100,
    logFlushMs: 10,
    ...options.engine,
  });
  const engineErrors: Array<{ error: unknown; context: string }> = [];
  engine.events.on('engine.error', (e) => engineErrors.push(e));
  await engine.start();
  const jwtSecret = randomBytes(32).toString('hex');
  const app = createApp({
    store,
    engine,
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

  /** Resolves when `check` returns a value, re-checking after engine events and every 25 ms (no sleep). */
  const eventually = <T>(what: () => string, check: () => Promise<T | undefined>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      let settled = false;
      let running = false;
      let again = false;
      const settle = (finish: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        clearInterval(ticker);
        for (const name of RUN_EVENT_NAMES) engine.events.off(name, poke);
        finish();
      };
      const attempt = async (): Promise<void> => {
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          do {
            again = false;
            const value = await check();
            if (value !== undefined) settle(() => resolve(value));
          } while (again && !settled);
        } catch (error) {
          settle(() => reject(error instanceof Error ? error : new Error(String(error))));
        } finally {
          running = false;
        }
      };
      const poke = (): void => void attempt();
      const deadline = setTimeout(() => settle(() => reject(new Error(`timed out: ${what()}`))), WAIT_MS);
      const ticker = setInterval(poke, 25);
      for (const name of RUN_EVENT_NAMES) engine.events.on(name, poke);
      poke();
    });

  return {
    url,
    databaseUrl: db.url,
    store,
    engine,
    runtime,
    clock,
    app,
    jwtSecret,
    request,
    waitForRun(runId, until) {
      const holds = typeof until === 'string' ? (s: RunSnapshot) => s.run.state === until : until;
      let last: RunSnapshot | undefined;
      return eventually(
        () =>
          `run ${runId} is ${last?.run.state ?? 'missing'} (${(last?.attempts ?? [])
            .map((a) => `${a.taskName}#${a.attempt}:${a.state}`)
            .join(', ')}); engine errors: ${engineErrors.map((e) => e.context).join(', ') || 'none'}`,
        async () => {
          last = await store.getRunSnapshot(runId);
          return last !== undefined && holds(last) ? last : undefined;
        },
      );
    },
    async executed(runId, task, count = 1) {
      const calls = () => runtime.calls.filter((c) => c.runId === runId && c.taskName === task && c.started);
      await eventually(
        () => `run ${runId}: ${calls().length} of ${count} executions of ${task}`,
        async () => (calls().length >= count ? true : undefined),
      );
    },
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
      await engine.stop();
      await store.close();
      await db.drop();
      // The engine reports background failures as events; none is expected in these tests.
      if (engineErrors.length > 0) {
        throw new Error(
          `engine errors: ${engineErrors.map((e) => `${e.context}: ${String(e.error)}`).join('; ')}`,
        );
      }
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

/** An API replica beside the harness: its own store connection, an engine that is never started. */
export interface ApiReplica {
  readonly url: string;
  readonly store: PostgresStore;
  close(): Promise<void>;
}

/**
 * Starts another API over the harness's database, as `KONTROLER_RUNTIME=none` does beside a controller:
 * its engine executes nothing, so whatever it streams came through the journal in PostgreSQL.
 */
export async function startApiReplica(h: Harness, deps: Partial<AppDeps> = {}): Promise<ApiReplica> {
  const store = await createPostgresStore({ url: h.databaseUrl, poolSize: 3 });
  const engine = createEngine({ store, scheduler: false });
  const app = createApp({
    store,
    engine,
    sql: store.sql,
    auth: { jwtSecret: h.jwtSecret, scryptN: TEST_SCRYPT_N },
    validateResponses: true,
    heartbeatMs: 200,
    ...deps,
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    store,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      app.dispose();
      await engine.stop();
      await store.close();
    },
  };
}
