/**
 * The client's own logic with a fetch double: problem parsing of odd bodies, the renewal rules, and the
 * SSE parser fed in every chunking. client.test.ts covers the same against a real API process.
 */
import { describe, expect, it } from 'vitest';
import {
  ApiProblem,
  SseParser,
  createKontrolerClient,
  parseRunEvent,
  unwrap,
  type TokenSource,
} from '../src/index.js';

interface Call {
  method: string;
  url: string;
  authorization: string | null;
  accept: string | null;
  body: string;
}

function json(status: number, body: unknown, type = 'application/json'): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
}

function problem(status: number, code: string, extra: Record<string, unknown> = {}): Response {
  return json(
    status,
    { type: 'about:blank', title: code, status, code, ...extra },
    'application/problem+json',
  );
}

/** Routes by "METHOD path" and records every request. */
function fakeFetch(routes: Record<string, (call: Call) => Response>) {
  const calls: Call[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const call: Call = {
      method: request.method,
      url: url.pathname + url.search,
      authorization: request.headers.get('Authorization'),
      accept: request.headers.get('Accept'),
      body: await request.text(),
    };
    calls.push(call);
    return routes[`${request.method} ${url.pathname}`]?.(call) ?? problem(404, 'NOT_FOUND');
  };
  return { fetch, calls };
}

interface CountingTokens extends TokenSource {
  current: string;
  refreshes: number;
  unauthorized: number;
}

function tokens(initial: string, next: string | null): CountingTokens {
  const src: CountingTokens = {
    current: initial,
    refreshes: 0,
    unauthorized: 0,
    accessToken: () => src.current,
    async refresh() {
      src.refreshes++;
      if (next === null) return false;
      src.current = next;
      return true;
    },
    onUnauthorized: () => void src.unauthorized++,
  };
  return src;
}

const baseUrl = 'http://api.test';

describe('ApiProblem', () => {
  it('keeps the code, status, detail and every field error of a problem+json body', () => {
    const err = ApiProblem.from(422, 'Unprocessable Entity', {
      type: 'about:blank',
      title: 'Invalid DAG',
      status: 422,
      code: 'DAG_INVALID',
      detail: 'The DAG is invalid',
      errors: [
        { path: '/tasks/1/runAfter/0', message: 'unknown task "x"', code: 'UNKNOWN_DEPENDENCY', task: 'b' },
        { path: '/schedule', message: 'bad cron', code: 'INVALID_CRON' },
      ],
    });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'ApiProblem', status: 422, code: 'DAG_INVALID', title: 'Invalid DAG' });
    expect(err.message).toBe('The DAG is invalid');
    expect(err.errors[0]).toEqual({
      path: '/tasks/1/runAfter/0',
      message: 'unknown task "x"',
      code: 'UNKNOWN_DEPENDENCY',
      task: 'b',
    });
    expect(err.byPath().get('/schedule')).toBe('bad cron');
  });

  it('derives the code from the type when the body has none', () => {
    const err = ApiProblem.from(409, 'Conflict', {
      type: 'https://kontroler.dev/problems/run-finished',
      title: 'Run finished',
      status: 409,
    });
    expect(err.code).toBe('RUN_FINISHED');
  });

  it('survives a body that is not JSON (a proxy page)', async () => {
    const err = await ApiProblem.fromResponse(
      new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    expect(err).toMatchObject({ status: 502, code: 'HTTP_502', title: 'Bad Gateway', errors: [] });
  });
});

describe('requests', () => {
  it('serialises query parameters and leaves out undefined ones', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /api/v1/runs': () => json(200, { items: [], nextCursor: null }),
    });
    const client = createKontrolerClient({ baseUrl, fetch, token: 'A' });
    const page = await unwrap(
      client.GET('/api/v1/runs', {
        params: { query: { state: 'running,failed', dag: undefined, limit: 10 } },
      }),
    );
    expect(page).toEqual({ items: [], nextCursor: null });
    expect(calls[0]).toMatchObject({
      authorization: 'Bearer A',
      url: '/api/v1/runs?state=running%2Cfailed&limit=10',
    });
  });

  it('renews once on 401 and sends the request again with the new token and the same body', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/dags/validate': (c) =>
        c.authorization === 'Bearer B' ? json(200, { ok: true }) : problem(401, 'UNAUTHORIZED'),
    });
    const src = tokens('A', 'B');
    const client = createKontrolerClient({ baseUrl, fetch, token: src });
    await unwrap(client.POST('/api/v1/dags/validate', { body: { name: 'x' } }));
    expect(src.refreshes).toBe(1);
    expect(calls.map((c) => [c.authorization, c.body])).toEqual([
      ['Bearer A', '{"name":"x"}'],
      ['Bearer B', '{"name":"x"}'],
    ]);
  });

  it('gives up after one renewal and reports the session as ended', async () => {
    const { fetch, calls } = fakeFetch({ 'GET /api/v1/me': () => problem(401, 'UNAUTHORIZED') });
    const src = tokens('A', 'B');
    const client = createKontrolerClient({ baseUrl, fetch, token: src });
    await expect(unwrap(client.GET('/api/v1/me'))).rejects.toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
    });
    expect(src).toMatchObject({ refreshes: 1, unauthorized: 1 });
    expect(calls).toHaveLength(2);
  });

  it('sends no token to login and does not renew when a login is refused', async () => {
    const { fetch, calls } = fakeFetch({ 'POST /api/v1/auth/login': () => problem(401, 'BAD_CREDENTIALS') });
    const src = tokens('A', 'B');
    const client = createKontrolerClient({ baseUrl, fetch, token: src });
    await expect(
      unwrap(client.POST('/api/v1/auth/login', { body: { username: 'x', password: 'y' } })),
    ).rejects.toMatchObject({ status: 401, code: 'BAD_CREDENTIALS' });
    expect(calls[0]?.authorization).toBeNull();
    expect(src).toMatchObject({ refreshes: 0, unauthorized: 0 });
  });

  it('turns a failed fetch into a NETWORK problem and lets an abort through', async () => {
    const failing = createKontrolerClient({
      baseUrl,
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(unwrap(failing.GET('/api/v1/dags'))).rejects.toMatchObject({ status: 0, code: 'NETWORK' });
    const aborted = createKontrolerClient({
      baseUrl,
      fetch: async () => {
        throw new DOMException('stopped', 'AbortError');
      },
    });
    await expect(unwrap(aborted.GET('/api/v1/dags'))).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('streams', () => {
  it('reads SSE over fetch with the bearer header and stops at an end event', async () => {
    const body =
      'event: log\ndata: {"seq":1}\n\n: keep-alive\n\nevent: log\nid: 7\ndata: {"seq":2}\n\nevent: end\ndata: {}\n\n';
    const { fetch, calls } = fakeFetch({
      'GET /stream': () =>
        new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }),
    });
    const client = createKontrolerClient({ baseUrl, fetch, token: 'A' });
    const got: string[] = [];
    await client.stream('/stream', {
      signal: new AbortController().signal,
      endEvents: ['end'],
      onMessage: (m) => got.push(`${m.event}:${m.data}`),
    });
    expect(got).toEqual(['log:{"seq":1}', 'log:{"seq":2}', 'end:{}']);
    expect(calls[0]).toMatchObject({ authorization: 'Bearer A', accept: 'text/event-stream' });
  });

  it('reconnects after a drop with Last-Event-ID and the server-set retry delay', async () => {
    const answers = [
      'retry: 1\nid: 41\nevent: run.started\ndata: {"run":{"id":"r"}}\n\n',
      'id: 42\nevent: run.finished\ndata: {"run":{"id":"r"}}\n\n',
    ];
    const lastIds: (string | null)[] = [];
    const client = createKontrolerClient({
      baseUrl,
      token: 'A',
      fetch: async (request) => {
        lastIds.push(request.headers.get('Last-Event-ID'));
        return new Response(answers.shift() ?? '', { headers: { 'Content-Type': 'text/event-stream' } });
      },
    });
    const stop = new AbortController();
    const seen: string[] = [];
    await client.runEvents({
      signal: stop.signal,
      onEvent(e) {
        seen.push(`${e.id} ${e.event}`);
        if (e.event === 'run.finished') stop.abort();
      },
    });
    expect(seen).toEqual(['41 run.started', '42 run.finished']);
    expect(lastIds).toEqual([null, '41']);
  });

  it('parses run events and rejects what is not one', () => {
    const event = parseRunEvent({
      id: '5',
      event: 'task.started',
      data: '{"run":{"id":"r"},"attempt":{"id":"a1"}}',
    });
    expect(event?.event).toBe('task.started');
    expect(event?.data.attempt?.id).toBe('a1');
    expect(parseRunEvent({ id: null, event: 'task.started', data: 'not json' })).toBeNull();
    expect(parseRunEvent({ id: null, event: 'task.started', data: '{"foo":1}' })).toBeNull();
    expect(parseRunEvent({ id: null, event: 'heartbeat', data: '{"run":{"id":"r"}}' })).toBeNull();
  });
});

describe('SseParser', () => {
  it('assembles events split across arbitrary chunks and keeps the last id', () => {
    const p = new SseParser();
    const text = 'id: 1\r\nevent: run.started\r\ndata: {"a":\r\ndata: 1}\r\n\r\nid: 2\ndata: x\n\n';
    const out = [];
    for (const ch of text) out.push(...p.feed(ch));
    expect(out).toEqual([
      { id: '1', event: 'run.started', data: '{"a":\n1}' },
      { id: '2', event: 'message', data: 'x' },
    ]);
    expect(p.lastEventId).toBe('2');
  });

  it('reads retry and ignores comments', () => {
    const p = new SseParser();
    expect(p.feed(': hello\nretry: 2500\n\n')).toEqual([]);
    expect(p.retryMs).toBe(2500);
  });
});
