import { describe, expect, it, vi } from 'vitest';
import { ApiClient, type TokenSource } from '../src/api/client';
import { ApiError, toProblem } from '../src/api/errors';
import { SseParser } from '../src/api/sse';
import { fakeFetch, json, problem } from './helpers';

describe('ApiError from problem+json', () => {
  it('keeps the code, status, detail and every field error', async () => {
    const res = problem(422, 'DAG_INVALID', {
      detail: 'The DAG is invalid',
      errors: [
        { path: '/tasks/1/runAfter/0', message: 'unknown task "x"', code: 'UNKNOWN_DEPENDENCY', task: 'b' },
        { path: '/schedule', message: 'bad cron', code: 'INVALID_CRON' },
      ],
    });
    const err = await ApiError.fromResponse(res);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.name).toBe('ApiError');
    expect(err.status).toBe(422);
    expect(err.code).toBe('DAG_INVALID');
    expect(err.message).toBe('The DAG is invalid');
    expect(err.errors).toHaveLength(2);
    expect(err.errors[0]).toEqual({
      path: '/tasks/1/runAfter/0',
      message: 'unknown task "x"',
      code: 'UNKNOWN_DEPENDENCY',
      task: 'b',
    });
    expect(err.byPath().get('/schedule')).toBe('bad cron');
  });

  it('derives the code from the type when the body has none', () => {
    const p = toProblem(409, 'Conflict', {
      type: 'https://kontroler.dev/problems/run-finished',
      title: 'Run finished',
      status: 409,
    });
    expect(p.code).toBe('RUN_FINISHED');
  });

  it('survives a body that is not JSON', async () => {
    const err = await ApiError.fromResponse(
      new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    expect(err.status).toBe(502);
    expect(err.code).toBe('HTTP_502');
    expect(err.errors).toEqual([]);
  });
});

function tokens(
  initial: string,
  next: string | null,
): TokenSource & { current: string; refreshes: number; unauthorized: number } {
  const src = {
    current: initial,
    refreshes: 0,
    unauthorized: 0,
    accessToken: () => src.current,
    refresh: vi.fn(async () => {
      src.refreshes++;
      if (next === null) return false;
      src.current = next;
      return true;
    }),
    onUnauthorized: () => {
      src.unauthorized++;
    },
  };
  return src;
}

describe('ApiClient', () => {
  it('sends the bearer token and query parameters, and parses JSON', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /api/v1/runs': () => json(200, { items: [], nextCursor: null }),
    });
    const client = new ApiClient({ fetch, tokens: tokens('A', 'B') });
    const page = await client.get('/api/v1/runs', { state: ['running', 'failed'], dag: '', limit: 10 });
    expect(page).toEqual({ items: [], nextCursor: null });
    expect(calls[0]!.headers.Authorization).toBe('Bearer A');
    expect(calls[0]!.url).toBe('/api/v1/runs?state=running%2Cfailed&limit=10');
  });

  it('refreshes once on 401 and retries with the new token', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /api/v1/me': (c) =>
        c.headers.Authorization === 'Bearer B' ? json(200, { id: 'u' }) : problem(401, 'UNAUTHORIZED'),
    });
    const src = tokens('A', 'B');
    const client = new ApiClient({ fetch, tokens: src });
    await expect(client.get('/api/v1/me')).resolves.toEqual({ id: 'u' });
    expect(src.refreshes).toBe(1);
    expect(calls.map((c) => c.headers.Authorization)).toEqual(['Bearer A', 'Bearer B']);
  });

  it('gives up after one refresh and reports the session as ended', async () => {
    const { fetch, calls } = fakeFetch({ 'GET /api/v1/me': () => problem(401, 'UNAUTHORIZED') });
    const src = tokens('A', 'B');
    const client = new ApiClient({ fetch, tokens: src });
    const err = await client.get('/api/v1/me').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect(src.refreshes).toBe(1);
    expect(src.unauthorized).toBe(1);
    expect(calls).toHaveLength(2);
  });

  it('does not refresh for anonymous calls such as login', async () => {
    const { fetch } = fakeFetch({ 'POST /api/v1/auth/login': () => problem(401, 'BAD_CREDENTIALS') });
    const src = tokens('A', 'B');
    const client = new ApiClient({ fetch, tokens: src });
    await expect(
      client.post('/api/v1/auth/login', { username: 'x', password: 'y' }, { anonymous: true }),
    ).rejects.toMatchObject({
      status: 401,
      code: 'BAD_CREDENTIALS',
    });
    expect(src.refreshes).toBe(0);
  });

  it('turns a failed fetch into a NETWORK ApiError', async () => {
    const client = new ApiClient({
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof fetch,
    });
    await expect(client.get('/api/v1/dags')).rejects.toMatchObject({ status: 0, code: 'NETWORK' });
  });

  it('reads an SSE stream over fetch with the bearer header and stops at an end event', async () => {
    const body =
      'event: log\ndata: {"seq":1}\n\n: keep-alive\n\nevent: log\nid: 7\ndata: {"seq":2}\n\nevent: end\ndata: {}\n\n';
    const { fetch, calls } = fakeFetch({
      'GET /stream': () =>
        new Response(new Blob([body]).stream(), {
          status: 200,
          headers: { 'Content-Type': 'text/event-stream' },
        }),
    });
    const client = new ApiClient({ fetch, tokens: tokens('A', null) });
    const got: string[] = [];
    await client.stream('/stream', {
      signal: new AbortController().signal,
      endEvents: ['end'],
      onMessage: (m) => got.push(`${m.event}:${m.data}`),
    });
    expect(got).toEqual(['log:{"seq":1}', 'log:{"seq":2}', 'end:{}']);
    expect(calls[0]!.headers.Authorization).toBe('Bearer A');
    expect(calls[0]!.headers.Accept).toBe('text/event-stream');
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
