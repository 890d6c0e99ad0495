/**
 * The client against a real API process: `npm start` (scripts/start.mjs) with embedded PostgreSQL and the
 * process runtime, spoken to over HTTP exactly as a user's program would.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type StartedServer } from '../../../apps/api/test/support/start-server.js';
import {
  ApiProblem,
  createKontrolerClient,
  unwrap,
  type KontrolerClient,
  type RunEvent,
  type TokenSource,
} from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const NEW_PASSWORD = 'a-better-password';
let server: StartedServer;
let token: string;
let refreshToken: string;

/** A DAG of two host-process tasks, `second` after `first`. */
const twoSteps = (name: string) => ({
  name,
  tasks: [
    { name: 'first', image: 'alpine', command: ['true'] },
    { name: 'second', image: 'alpine', command: ['true'], runAfter: ['first'] },
  ],
});

/** Rejects with the problem a call threw. */
async function problemOf(call: Promise<unknown>): Promise<ApiProblem> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiProblem);
  return err as ApiProblem;
}

beforeAll(async () => {
  server = await startServer({ KONTROLER_RUNTIME: 'process' });
  const anonymous = createKontrolerClient({ baseUrl: server.url });
  const login = await unwrap(
    anonymous.POST('/api/v1/auth/login', {
      body: { username: 'admin', password: server.password ?? '' },
    }),
  );
  // The one-time password must be changed; the answer is a fresh session.
  const session = await unwrap(
    createKontrolerClient({ baseUrl: server.url, token: login.accessToken }).POST('/api/v1/me/password', {
      body: { currentPassword: server.password ?? '', newPassword: NEW_PASSWORD },
    }),
  );
  token = session.accessToken;
  refreshToken = session.refreshToken;
});

afterAll(async () => {
  await server?.stop();
});

describe('calls', () => {
  it('sends the bearer token and answers typed data', async () => {
    const client = createKontrolerClient({ baseUrl: server.url, token });
    const me = await unwrap(client.GET('/api/v1/me'));
    expect(me.username).toBe('admin');
    expect(me.roles).toContainEqual({ role: 'admin', namespace: null });
  });

  it('sends no token to operations that take none (a stale token does not break logging in)', async () => {
    const client = createKontrolerClient({ baseUrl: server.url, token: 'kt_not-a-real-token' });
    const session = await unwrap(
      client.POST('/api/v1/auth/login', { body: { username: 'admin', password: NEW_PASSWORD } }),
    );
    expect(session.user.username).toBe('admin');
  });

  it('answers 204 operations with undefined', async () => {
    const client = createKontrolerClient({ baseUrl: server.url, token });
    await unwrap(
      client.POST('/api/v1/namespaces/{namespace}/dags', {
        params: { path: { namespace: 'client-delete' } },
        body: twoSteps('doomed'),
      }),
    );
    const deleted = await unwrap(
      client.DELETE('/api/v1/namespaces/{namespace}/dags/{name}', {
        params: { path: { namespace: 'client-delete', name: 'doomed' } },
      }),
    );
    expect(deleted).toBeUndefined();
  });
});

describe('ApiProblem', () => {
  it('carries the status, code and title of a 401', async () => {
    const problem = await problemOf(unwrap(createKontrolerClient({ baseUrl: server.url }).GET('/api/v1/me')));
    expect(problem.status).toBe(401);
    expect(problem.code).toMatch(/^[A-Z_]+$/);
    expect(problem.title.length).toBeGreaterThan(0);
  });

  it('names the task and path of an invalid DAG (422)', async () => {
    const client = createKontrolerClient({ baseUrl: server.url, token });
    const problem = await problemOf(
      unwrap(
        client.POST('/api/v1/namespaces/{namespace}/dags', {
          params: { path: { namespace: 'client' } },
          body: {
            name: 'cyclic',
            tasks: [
              { name: 'a', image: 'alpine', command: ['true'], runAfter: ['b'] },
              { name: 'b', image: 'alpine', command: ['true'], runAfter: ['missing'] },
            ],
          },
        }),
      ),
    );
    expect(problem.status).toBe(422);
    expect(problem.code).toBe('DAG_INVALID');
    expect(problem.errors).toContainEqual(expect.objectContaining({ code: 'UNKNOWN_DEPENDENCY', task: 'b' }));
    expect([...problem.byPath().keys()].some((path) => path.includes('runAfter'))).toBe(true);
    expect(problem.message).toBe(problem.detail);
  });

  it('names the query parameter the validator refused (400)', async () => {
    const client = createKontrolerClient({ baseUrl: server.url, token });
    const problem = await problemOf(unwrap(client.GET('/api/v1/runs', { params: { query: { limit: 0 } } })));
    expect(problem.status).toBe(400);
    expect(problem.errors.map((e) => e.path).join(' ')).toContain('limit');
  });

  it('is a NETWORK problem with status 0 when nothing answers', async () => {
    const client = createKontrolerClient({ baseUrl: 'http://127.0.0.1:9', token });
    const problem = await problemOf(unwrap(client.GET('/api/v1/me')));
    expect(problem).toMatchObject({ status: 0, code: 'NETWORK' });
  });
});

describe('token renewal', () => {
  it('renews once after a 401 and sends the request again, body included', async () => {
    let current = 'expired.jwt.token';
    let renewals = 0;
    const source: TokenSource = {
      accessToken: () => current,
      async refresh() {
        renewals += 1;
        current = token;
        return true;
      },
      onUnauthorized: () => expect.unreachable('renewed sessions are authorised'),
    };
    const client = createKontrolerClient({ baseUrl: server.url, token: source });
    const result = await unwrap(client.POST('/api/v1/dags/validate', { body: twoSteps('renewed') }));
    expect(result.ok).toBe(true);
    expect(result.order).toEqual(['first', 'second']);
    expect(renewals).toBe(1);
  });

  it('tells the source when renewing did not help', async () => {
    let unauthorized = 0;
    const client = createKontrolerClient({
      baseUrl: server.url,
      token: {
        accessToken: () => 'expired',
        refresh: async () => false,
        onUnauthorized: () => unauthorized++,
      },
    });
    expect((await problemOf(unwrap(client.GET('/api/v1/me')))).status).toBe(401);
    expect(unauthorized).toBe(1);
  });

  it('renews through the refresh operation the API offers', async () => {
    const client = createKontrolerClient({ baseUrl: server.url });
    const session = await unwrap(client.POST('/api/v1/auth/refresh', { body: { refreshToken } }));
    refreshToken = session.refreshToken;
    client.setToken(session.accessToken);
    expect((await unwrap(client.GET('/api/v1/me'))).username).toBe('admin');
  });
});

describe('run events', () => {
  let client: KontrolerClient;
  const namespace = 'client-events';

  /** Follows events until `done` says so; resolves with what came. */
  async function follow(
    options: { runId?: string; lastEventId?: string | null },
    done: (event: RunEvent) => boolean,
    opened?: () => void,
  ): Promise<RunEvent[]> {
    const stop = new AbortController();
    const seen: RunEvent[] = [];
    await client.runEvents({
      namespace,
      ...options,
      signal: stop.signal,
      onStatus: (status) => status === 'open' && opened?.(),
      onEvent(event) {
        seen.push(event);
        if (done(event)) stop.abort();
      },
    });
    return seen;
  }

  beforeAll(async () => {
    client = createKontrolerClient({ baseUrl: server.url, token });
    await unwrap(
      client.POST('/api/v1/namespaces/{namespace}/dags', {
        params: { path: { namespace } },
        body: twoSteps('steps'),
      }),
    );
  });

  it('streams a run from created to finished, then resumes after any event id with the rest', async () => {
    let runId = '';
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    const live = follow({}, (e) => e.event === 'run.finished' && e.data.run.id === runId, open);
    await opened;
    const run = await unwrap(
      client.POST('/api/v1/namespaces/{namespace}/dags/{name}/runs', {
        params: { path: { namespace, name: 'steps' } },
      }),
    );
    runId = run.id;
    const events = (await live).filter((e) => e.data.run.id === run.id);
    expect(events[0]?.event).toBe('run.created');
    expect(events.at(-1)?.data.run.state).toBe('succeeded');
    expect(events.filter((e) => e.event === 'task.succeeded').map((e) => e.data.attempt?.taskName)).toEqual([
      'first',
      'second',
    ]);

    // A client that saw only the first two events resumes with Last-Event-ID and gets exactly the rest.
    const resumed = await follow(
      { runId: run.id, lastEventId: events[1]?.id ?? null },
      (e) => e.event === 'run.finished',
    );
    expect(resumed.map((e) => e.id)).toEqual(events.slice(2).map((e) => e.id));
  });

  it('stops with the problem when the stream is refused (a 4xx does not heal by retrying)', async () => {
    const anonymous = createKontrolerClient({ baseUrl: server.url });
    const problem = await problemOf(
      anonymous.runEvents({ signal: new AbortController().signal, onEvent: () => undefined }),
    );
    expect(problem.status).toBe(401);
  });
});

describe('the example', () => {
  it('lists the DAGs, triggers one and follows its run to the end', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=source',
        join(root, 'examples', 'list-and-follow.ts'),
        'client-events',
        'steps',
      ],
      { cwd: root, env: { ...process.env, KONTROLER_URL: server.url, KONTROLER_TOKEN: token } },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toContain('dag client-events/steps v1 (2 tasks)');
    expect(out).toMatch(/event task\.succeeded second/);
    expect(out).toMatch(/run \S+ succeeded/);
    expect(code).toBe(0);
  });
});
