import { ApiProblem } from './problem.js';

/** Where the client gets its bearer token and, optionally, how it renews an expired session. */
export interface TokenSource {
  /** The token to send now; nothing is sent while it is null or undefined. */
  accessToken(): string | null | undefined;
  /**
   * Renews the session after a 401; resolves true when a new access token is available. Called at most
   * once per request; an implementation should share one renewal between concurrent calls.
   */
  refresh?(): Promise<boolean>;
  /** Called when a request is still unauthorised after a renewal (or with none to try): log in again. */
  onUnauthorized?(): void;
}

/** The `fetch` the client sends every request through (a `Request` in, a `Response` out). */
export type FetchLike = (request: Request) => Promise<Response>;

/** A fixed token (an API token `kt_…` or a JWT) or a source that can change and renew it. */
export function tokenSourceOf(token: string | TokenSource | undefined): TokenSource | undefined {
  return typeof token === 'string' ? { accessToken: () => token } : token;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/**
 * Wraps `fetch` so that a request carrying a bearer token is renewed once and sent again when it answers
 * 401, and a request that gets no answer rejects with `ApiProblem.network` (aborts stay aborts). Which
 * requests carry a token is decided before (the client's middleware), from the operation's security.
 */
export function authenticatedFetch(fetchImpl: FetchLike, tokens: () => TokenSource | undefined): FetchLike {
  const send = async (request: Request): Promise<Response> => {
    try {
      return await fetchImpl(request);
    } catch (err) {
      if (isAbort(err)) throw err;
      throw ApiProblem.network(err);
    }
  };
  return async (request) => {
    const source = tokens();
    if (!source || !request.headers.has('Authorization')) return send(request);
    // The body of a sent request is consumed: keep a copy for the second try.
    const again = source.refresh ? request.clone() : undefined;
    const first = await send(request);
    if (first.status !== 401) return first;
    if (again && (await source.refresh?.())) {
      const token = source.accessToken();
      if (token) again.headers.set('Authorization', `Bearer ${token}`);
      const second = await send(again);
      if (second.status !== 401) return second;
      source.onUnauthorized?.();
      return second;
    }
    source.onUnauthorized?.();
    return first;
  };
}
