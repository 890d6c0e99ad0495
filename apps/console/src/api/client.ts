import { ApiError } from './errors';
import { SseParser, type SseMessage } from './sse';

/** Where the client gets its bearer token, and how it renews it. The auth store implements it. */
export interface TokenSource {
  accessToken(): string | null;
  /** Renews the session; resolves true when a new access token is available. Must dedupe concurrent calls. */
  refresh(): Promise<boolean>;
  /** Called when a request is still unauthorised after one refresh. */
  onUnauthorized(): void;
}

export type Query = Record<string, string | number | boolean | null | undefined | readonly string[]>;

export interface RequestOptions {
  query?: Query;
  /** A JSON body; strings are sent as-is with `contentType`. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Skip the bearer token and the refresh-on-401 (login, refresh). */
  anonymous?: boolean;
  signal?: AbortSignal;
}

export interface StreamOptions {
  query?: Query;
  signal: AbortSignal;
  lastEventId?: string | null;
  onMessage(msg: SseMessage): void;
  /** Called whenever the connection is (re)established or lost. */
  onStatus?(status: 'open' | 'reconnecting' | 'closed'): void;
  /** Event names after which the stream is finished and must not reconnect (e.g. `end`). */
  endEvents?: readonly string[];
}

export interface ApiClientOptions {
  /** Prefix of every path; default `''` (same origin). */
  baseUrl?: string;
  fetch?: typeof fetch;
  tokens?: TokenSource;
  /** Reconnection delays of streams, in ms; default 1 s doubling to 15 s. */
  reconnectDelay?: (attempt: number) => number;
}

export function buildUrl(baseUrl: string, path: string, query?: Query): string {
  let url = baseUrl + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue;
      params.set(k, Array.isArray(v) ? v.join(',') : String(v));
    }
    const qs = params.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  return url;
}

/**
 * A typed fetch wrapper for docs/api.md: bearer token, one automatic refresh on 401, problem+json
 * errors as `ApiError`, and Server-Sent Events read over fetch streaming (so the stream sends the
 * same `Authorization` header as every other request; EventSource cannot).
 */
export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private tokens: TokenSource | undefined;
  private readonly reconnectDelay: (attempt: number) => number;

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
    this.fetchImpl = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this.tokens = options.tokens;
    this.reconnectDelay = options.reconnectDelay ?? ((n) => Math.min(15_000, 1000 * 2 ** n));
  }

  setTokenSource(tokens: TokenSource | undefined): void {
    this.tokens = tokens;
  }

  url(path: string, query?: Query): string {
    return buildUrl(this.baseUrl, path, query);
  }

  /** Sends a request and returns the raw response when it is 2xx; throws `ApiError` otherwise. */
  async raw(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const send = async (): Promise<Response> => {
      const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
      let body: BodyInit | undefined;
      if (options.body !== undefined) {
        if (typeof options.body === 'string') {
          body = options.body;
          headers['Content-Type'] = options.contentType ?? 'text/plain';
        } else {
          body = JSON.stringify(options.body);
          headers['Content-Type'] = options.contentType ?? 'application/json';
        }
      }
      const token = options.anonymous ? null : (this.tokens?.accessToken() ?? null);
      if (token) headers.Authorization = `Bearer ${token}`;
      try {
        return await this.fetchImpl(this.url(path, options.query), {
          method,
          headers,
          body,
          signal: options.signal,
        });
      } catch (err) {
        if (err instanceof DOMException && err.name === 'AbortError') throw err;
        throw ApiError.network(err);
      }
    };
    let res = await send();
    if (res.status === 401 && !options.anonymous && this.tokens) {
      if (await this.tokens.refresh()) res = await send();
      if (res.status === 401) {
        const err = await ApiError.fromResponse(res);
        this.tokens.onUnauthorized();
        throw err;
      }
    }
    if (!res.ok) throw await ApiError.fromResponse(res);
    return res;
  }

  /** Sends a request and parses its JSON answer (`undefined` for 202/204 or an empty body). */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, options);
    if (res.status === 204 || res.status === 202) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { query, signal });
  }
  post<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }
  put<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }
  patch<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }
  delete<T = void>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /**
   * Reads a Server-Sent Events stream until `signal` aborts or an end event arrives, reconnecting
   * with `Last-Event-ID` after a drop. Resolves when the stream is finished for good.
   */
  async stream(path: string, options: StreamOptions): Promise<void> {
    const parser = new SseParser();
    parser.lastEventId = options.lastEventId ?? null;
    const ends = new Set(options.endEvents ?? []);
    let failures = 0;
    while (!options.signal.aborted) {
      let ended = false;
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream' };
        if (parser.lastEventId) headers['Last-Event-ID'] = parser.lastEventId;
        const res = await this.raw('GET', path, { query: options.query, headers, signal: options.signal });
        if (!res.body) throw ApiError.network(new Error('The stream has no body'));
        options.onStatus?.('open');
        failures = 0;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            for (const msg of parser.feed(value)) {
              options.onMessage(msg);
              if (ends.has(msg.event)) ended = true;
            }
            if (ended) break;
          }
        } finally {
          reader.cancel().catch(() => undefined);
        }
      } catch (err) {
        if (options.signal.aborted) break;
        // A client error other than a dropped connection will not heal by retrying.
        if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 408) {
          options.onStatus?.('closed');
          throw err;
        }
      }
      if (ended || options.signal.aborted) break;
      options.onStatus?.('reconnecting');
      const delay = parser.retryMs ?? this.reconnectDelay(failures++);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        options.signal.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    options.onStatus?.('closed');
  }
}

/** The app's one client; the auth store installs its token source at start-up. */
export const http = new ApiClient();
