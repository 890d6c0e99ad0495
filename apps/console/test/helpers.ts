import { vi } from 'vitest';

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

/** A fetch double that routes by "METHOD path" and records every call. */
export function fakeFetch(routes: Record<string, Handler>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const path = url.replace(/^https?:\/\/[^/]+/, '').split('?')[0]!;
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>));
    const body =
      typeof init.body === 'string' && init.body.startsWith('{') ? JSON.parse(init.body) : init.body;
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
