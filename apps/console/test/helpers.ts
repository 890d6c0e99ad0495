import { vi } from 'vitest';
import type { Attempt } from '../src/api';

export interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Handler = (call: Call) => Response | Promise<Response>;

export function json(status: number, body: unknown, type = 'application/json'): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': type },
  });
}

export function problem(status: number, code: string, extra: Record<string, unknown> = {}): Response {
  return json(
    status,
    {
      type: `https://kontroler.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
      title: code,
      status,
      code,
      ...extra,
    },
    'application/problem+json',
  );
}

/** `authorization` → `Authorization`, as the tests name headers. */
const titleCase = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

/**
 * A fetch double that routes by "METHOD path" and records every call. It takes what the client sends
 * (`fetch(request)`) as well as `fetch(url, init)`; recorded URLs are relative to the page's origin.
 */
export function fakeFetch(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const request =
      input instanceof Request ? input : new Request(new URL(String(input), location.href), init);
    const url = request.url.replace(/^https?:\/\/[^/]+/, '');
    const path = url.split('?')[0]!;
    const method = request.method.toUpperCase();
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => (headers[titleCase(name)] = value));
    const text = request.body ? await request.text() : '';
    const body = text.startsWith('{') ? JSON.parse(text) : text || undefined;
    const call = { method, url, headers, body };
    calls.push(call);
    const handler = routes[`${method} ${path}`];
    if (!handler) return problem(404, 'NOT_FOUND');
    return handler(call);
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

export function user(
  roles: { role: 'admin' | 'editor' | 'viewer'; namespace: string | null }[] = [
    { role: 'admin', namespace: null },
  ],
) {
  return {
    id: 'u1',
    username: 'alice',
    roles,
    disabled: false,
    mustChangePassword: false,
    lockedUntil: null,
    createdAt: '2026-01-01T00:00:00Z',
  };
}

/** A running first attempt of `extract`, with `patch` applied: what live-run tests start from. */
export function makeAttempt(patch: Partial<Attempt> = {}): Attempt {
  return {
    id: 'a1',
    taskName: 'extract',
    attempt: 1,
    state: 'running',
    exitCode: null,
    reason: null,
    message: null,
    createdAt: '2026-11-25T10:00:01.000Z',
    startedAt: '2026-11-25T10:00:01.000Z',
    finishedAt: null,
    durationMs: null,
    failureKind: null,
    outputs: null,
    instance: null,
    ...patch,
  };
}
