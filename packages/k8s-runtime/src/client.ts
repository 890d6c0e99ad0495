/**
 * A small Kubernetes REST client on `node:https` with keep-alive, a client-side rate limit and retries with
 * backoff on 429, 5xx and connection errors. Authentication and TLS come from a `KubeConnection`: our own
 * loader (`loadKubeConnection`) or `@kubernetes/client-node`'s `KubeConfig`, which has the same shape.
 *
 * We use our own client instead of the generated one because the runtime needs one place for rate limiting,
 * retries and streaming (watches, logs), and the generated client offers neither hook.
 */
import https from 'node:https';
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { Http2Streams, Http2UnavailableError } from './h2-streams.js';
import type { KubeConnection } from './kubeconfig.js';
import { createTokenBucket, type RateLimiter } from './rate-limit.js';

/** A non-2xx answer from the apiserver. `reason` is the Status reason (`AlreadyExists`, `NotFound`, `Conflict`…). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }

  static is(error: unknown, status?: number): error is KubeApiError {
    return error instanceof KubeApiError && (status === undefined || error.status === status);
  }
}

export interface KubeClientOptions {
  /**
   * Sustained requests per second (client-side); 0 sets no client-side limit and leaves throttling to the
   * apiserver's API Priority and Fairness, whose 429 answers are retried after their `Retry-After`.
   * @default 0
   */
  readonly qps?: number;
  /** Burst of requests above `qps` (when `qps` > 0). @default 100 */
  readonly burst?: number;
  /** Tries per request on 429, 5xx and connection errors. @default 5 */
  readonly maxAttempts?: number;
  /** First retry delay; doubles per try with jitter, capped at 5 s; `Retry-After` wins when larger. @default 100 */
  readonly retryBaseMs?: number;
  /** Concurrent sockets to the apiserver. @default 64 */
  readonly maxSockets?: number;
  /**
   * Streams (`stream()`) share HTTP/2 connections instead of holding a socket each, for clients that keep
   * hundreds open (log follows). Falls back to HTTP/1.1 when the server offers no HTTP/2. @default false
   */
  readonly multiplexStreams?: boolean;
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  /**
   * Builds the body when the request is sent, after the client-side rate limit, instead of `body`: a queue
   * of requests waiting for their turn (ten thousand pod creations at the shipped qps) then holds no bodies.
   */
  readonly makeBody?: () => unknown;
  /** The caller ignores a success's body: it is read and dropped, not parsed (a created pod is kilobytes). */
  readonly discardBody?: boolean;
  /** @default 'application/json' (`application/merge-patch+json` for PATCH) */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Do not retry on 5xx/connection errors (the request is not safe to repeat). */
  readonly noRetry?: boolean;
}

export interface KubeClient {
  /** The apiserver's base URL. */
  readonly server: string;
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<T>;
  /** Opens a streaming GET (watch, follow logs). Rate-limited, never retried: callers resume themselves. */
  stream(path: string, options?: Pick<RequestOptions, 'query' | 'signal'>): Promise<Readable>;
  /** Closes idle sockets. */
  close(): void;
}

const noBody = (): undefined => undefined;

const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/** A 429, a 5xx or no answer at all (refused, reset, timed out): the apiserver is busy or away, not refusing. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof KubeApiError) return error.status === 429 || error.status >= 500;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

export function buildQuery(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function readBody(res: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The error for a non-2xx answer whose body is `res`: the apiserver's Status when it sent one. */
async function toError(res: Readable, status: number): Promise<KubeApiError> {
  const text = await readBody(res).catch(() => '');
  let body: unknown = text;
  let reason = http.STATUS_CODES[status] ?? 'Unknown';
  let message = `${status} ${reason}`;
  try {
    const parsed = JSON.parse(text) as { reason?: string; message?: string };
    body = parsed;
    if (parsed.reason) reason = parsed.reason;
    if (parsed.message) message = parsed.message;
  } catch {
    // not a Status object
  }
  return new KubeApiError(status, reason, message, body);
}

/** Creates a client for the current context of `kubeConfig`. */
export function createKubeClient(kubeConfig: KubeConnection, options: KubeClientOptions = {}): KubeClient {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const server = cluster.server.replace(/\/+$/, '');
  const base = new URL(server);
  const isHttps = base.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
  const agent = isHttps ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const limiter: RateLimiter = createTokenBucket({ qps: options.qps ?? 0, burst: options.burst ?? 100 });
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const retryBaseMs = options.retryBaseMs ?? 100;
  const basePath = base.pathname.replace(/\/+$/, '');
  let multiplexed =
    options.multiplexStreams && isHttps ? new Http2Streams({ origin: base.origin }) : undefined;

  // TLS material and credentials from the kubeconfig, refreshed every minute (rotating tokens) and after a
  // 401. `applyToHTTPSOptions` also builds an agent per call, which we drop: one keep-alive agent serves all.
  let auth: { options: https.RequestOptions; at: number } | undefined;
  async function authOptions(refresh = false): Promise<https.RequestOptions> {
    if (!refresh && auth && Date.now() - auth.at < 60_000) return auth.options;
    const options: https.RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(options);
    delete options.agent;
    auth = { options, at: Date.now() };
    return options;
  }

  async function open(
    method: string,
    path: string,
    query: RequestOptions['query'],
    body: () => string | undefined,
    contentType: string,
    signal: AbortSignal | undefined,
  ): Promise<IncomingMessage> {
    await limiter.acquire();
    const payload = body();
    const auth = await authOptions();
    const requestOptions: https.RequestOptions = {
      ...auth,
      method,
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port || (isHttps ? 443 : 80),
      path: `${basePath}${path}${buildQuery(query)}`,
      agent,
      headers: { ...(auth.headers as Record<string, string>), Accept: 'application/json' },
    };
    const headers = requestOptions.headers as Record<string, string | number>;
    if (payload !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = Buffer.byteLength(payload);
    }
    return await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (isHttps ? https : http).request(requestOptions, resolve);
      req.on('error', reject);
      if (signal) {
        if (signal.aborted) req.destroy(signal.reason as Error);
        else {
          // Long-lived signals (a kubelet's lifetime, a log stream) see many requests: never leak listeners.
          const onAbort = () => req.destroy(signal.reason as Error);
          signal.addEventListener('abort', onAbort, { once: true });
          req.once('close', () => signal.removeEventListener('abort', onAbort));
        }
      }
      req.end(payload);
    });
  }

  return {
    server,
    async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
      // Serialised once, on the first send (after the rate limit), and reused by the retries.
      let payload: string | undefined | null = null;
      const body = (): string | undefined => {
        if (payload === null) {
          const value = opts.makeBody ? opts.makeBody() : opts.body;
          payload = value === undefined ? undefined : JSON.stringify(value);
        }
        return payload;
      };
      const contentType =
        opts.contentType ?? (method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await open(method, path, opts.query, body, contentType, opts.signal);
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            if (opts.discardBody) {
              res.resume();
              await finished(res);
              return undefined as T;
            }
            const text = await readBody(res);
            const json = String(res.headers['content-type'] ?? '').includes('json');
            return (json && text ? JSON.parse(text) : text || undefined) as T;
          }
          const error = await toError(res, status);
          if (status === 401 && attempt === 1) {
            kubeConfig.invalidate?.();
            await authOptions(true);
            continue;
          }
          const retryAfter = Number(res.headers['retry-after']);
          if (attempt < maxAttempts && isRetryable(error) && !(opts.noRetry && status !== 429)) {
            const backoff = Math.min(5000, retryBaseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
            await delay(Math.max(backoff, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0), opts.signal);
            continue;
          }
          throw error;
        } catch (error) {
          if (error instanceof KubeApiError || opts.signal?.aborted) throw error;
          if (attempt < maxAttempts && !opts.noRetry && isRetryable(error)) {
            await delay(
              Math.min(5000, retryBaseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2),
              opts.signal,
            );
            continue;
          }
          throw error;
        }
      }
    },
    async stream(path, opts = {}) {
      const streams = multiplexed;
      if (streams) {
        await limiter.acquire();
        const auth = await authOptions();
        const { ca, cert, key, servername, rejectUnauthorized } = auth;
        try {
          const { status, stream } = await streams.get(
            `${basePath}${path}${buildQuery(opts.query)}`,
            { ...(auth.headers as Record<string, string>), accept: 'application/json' },
            { ca, cert, key, servername, rejectUnauthorized },
            opts.signal,
          );
          if (status < 200 || status >= 300) throw await toError(stream, status);
          return stream;
        } catch (error) {
          if (!(error instanceof Http2UnavailableError)) throw error;
          // Once: every later stream goes over HTTP/1.1 (the rate limit was taken; one more token is fine).
          streams.close();
          multiplexed = undefined;
        }
      }
      const res = await open('GET', path, opts.query, noBody, 'application/json', opts.signal);
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) throw await toError(res, status);
      return res;
    },
    close() {
      agent.destroy();
      multiplexed?.close();
    },
  };
}

/** Splits a byte stream into lines; the last partial line is emitted at the end. */
export async function* readLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let index: number;
    while ((index = rest.indexOf('\n')) >= 0) {
      yield rest.slice(0, index);
      rest = rest.slice(index + 1);
    }
  }
  rest += decoder.end();
  if (rest) yield rest;
}
