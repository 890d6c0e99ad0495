import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { authenticatedFetch, tokenSourceOf, type FetchLike, type TokenSource } from './auth.js';
import { ApiProblem } from './problem.js';
import { unsecuredPaths, type paths } from './schema.generated.js';
import type { SseMessage } from './sse.js';
import { followStream, type StreamOptions } from './stream.js';
import { RUN_EVENT_NAMES, type RunEvent } from './types.js';

export interface KontrolerClientOptions {
  /**
   * Where the API is, without a trailing slash (`https://kontroler.example.com`).
   * @default '' (the page's own origin, as the console uses it)
   */
  baseUrl?: string;
  /** An API token (`kt_…`), an access JWT, or a source that can change and renew it. */
  token?: string | TokenSource;
  /** @default globalThis.fetch */
  fetch?: FetchLike;
  /**
   * Milliseconds to wait before the n-th reconnection of a stream when the server sets no `retry:`.
   * @default 1 s doubling to 15 s
   */
  reconnectDelay?: (attempt: number) => number;
}

export interface RunEventsOptions {
  /** Only this run's events. */
  runId?: string;
  /** Only this namespace's events. */
  namespace?: string;
  /** Ends the stream for good. */
  signal: AbortSignal;
  /** Resume after this event id: the server replays what came after it (or sends `reset` when too old). */
  lastEventId?: string | null;
  onEvent(event: RunEvent): void;
  /**
   * The server no longer has the events after `lastEventId`: reload the state you keep, then carry on
   * with the live events that follow.
   */
  onReset?(): void;
  onStatus?: StreamOptions['onStatus'];
}

/**
 * The typed API client: openapi-fetch's `GET`, `POST`, `PUT`, `PATCH` and `DELETE` over the paths of the
 * API's OpenAPI document (answers `{ data, error, response }`; `unwrap` turns that into data or a thrown
 * `ApiProblem`), plus Server-Sent Events streams.
 */
export interface KontrolerClient extends Client<paths> {
  readonly baseUrl: string;
  /** Replaces where the token comes from (log in, log out). */
  setToken(token: string | TokenSource | undefined): void;
  /** The absolute URL of `path` with `query` (left out when `undefined`, `null` or empty). */
  url(path: string, query?: StreamOptions['query']): string;
  /** Follows any SSE stream of the API (`…/logs/stream`) with `Last-Event-ID` resume. */
  stream(path: string, options: StreamOptions): Promise<void>;
  /**
   * Follows `GET /api/v1/events` until `signal` aborts: every run event the caller may see, resumed with
   * `Last-Event-ID` after a dropped connection so none is missed.
   */
  runEvents(options: RunEventsOptions): Promise<void>;
}

const RUN_EVENTS = new Set<string>(RUN_EVENT_NAMES);

/**
 * One message of `GET /api/v1/events` as a run event, or null when it is not one (an unknown event name,
 * data that is not JSON or carries no run): a stream survives a message it cannot read.
 */
export function parseRunEvent(message: SseMessage): RunEvent | null {
  if (!RUN_EVENTS.has(message.event)) return null;
  try {
    const data = JSON.parse(message.data) as RunEvent['data'] | null;
    if (typeof data !== 'object' || data === null || typeof data.run?.id !== 'string') return null;
    return { id: message.id, event: message.event as RunEvent['event'], data };
  } catch {
    return null;
  }
}

export function createKontrolerClient(options: KontrolerClientOptions = {}): KontrolerClient {
  const baseUrl = options.baseUrl ?? '';
  let tokens = tokenSourceOf(options.token);
  // Resolved per call, so a test or polyfill that replaces globalThis.fetch later is honoured.
  const fetchImpl: FetchLike = options.fetch ?? ((request) => globalThis.fetch(request));
  const send = authenticatedFetch(fetchImpl, () => tokens);
  const reconnectDelay = options.reconnectDelay ?? ((n: number) => Math.min(15_000, 1000 * 2 ** n));
  const unsecured = new Set<string>(unsecuredPaths);

  const authorize = (request: Request): void => {
    const token = tokens?.accessToken();
    if (token && !request.headers.has('Authorization')) {
      request.headers.set('Authorization', `Bearer ${token}`);
    }
  };
  const bearer: Middleware = {
    onRequest({ request, schemaPath }) {
      if (!unsecured.has(schemaPath)) authorize(request);
      return request;
    },
  };

  const api = createClient<paths>({ baseUrl, fetch: send });
  api.use(bearer);

  const url = (path: string, query?: StreamOptions['query']): string => {
    // A relative base URL (the console's '') needs an origin to build on; only the path part is kept then.
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(baseUrl);
    const out = new URL(baseUrl + path, absolute ? undefined : 'http://relative.invalid');
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== null && v !== '') out.searchParams.set(k, String(v));
    }
    return absolute ? out.href : out.pathname + out.search;
  };
  const transport = {
    url,
    reconnectDelay,
    send: (request: Request) => {
      authorize(request);
      return send(request);
    },
  };

  return Object.assign(api, {
    baseUrl,
    setToken(token: string | TokenSource | undefined) {
      tokens = tokenSourceOf(token);
    },
    url,
    stream: (path: string, streamOptions: StreamOptions) => followStream(transport, path, streamOptions),
    runEvents(eventOptions: RunEventsOptions) {
      return followStream(transport, '/api/v1/events', {
        query: { runId: eventOptions.runId, namespace: eventOptions.namespace },
        signal: eventOptions.signal,
        lastEventId: eventOptions.lastEventId ?? null,
        ...(eventOptions.onStatus ? { onStatus: eventOptions.onStatus } : {}),
        onMessage(message) {
          if (message.event === 'reset') return eventOptions.onReset?.();
          const event = parseRunEvent(message);
          if (event) eventOptions.onEvent(event);
        },
      });
    },
  });
}

/** A settled openapi-fetch call: data on success, the parsed error body otherwise. */
export interface FetchResult<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/**
 * The data of a call, or its failure thrown as an `ApiProblem` (code, title, detail and field errors of
 * the problem+json body): `const run = await unwrap(client.POST('/api/v1/…/runs', { params }))`.
 * Answers without a body (204, 202) resolve to `undefined`.
 */
export async function unwrap<D>(call: Promise<FetchResult<D>>): Promise<D> {
  const { data, error, response } = await call;
  if (!response.ok) throw ApiProblem.from(response.status, response.statusText, error);
  return data as D;
}
