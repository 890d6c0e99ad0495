/**
 * One HTTP(S) request with node:http/node:https, because `fetch` on Node 20 cannot turn TLS verification
 * off per request (webhooks with `verifySSL: false`, HTTP tasks against self-signed services).
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface HttpRequestOptions {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Whole-request deadline (connect, send, response). */
  readonly timeoutMs: number;
  /** Verify the server's certificate (https only). */
  readonly rejectUnauthorized: boolean;
  readonly signal?: AbortSignal;
  /** Response bytes kept; the rest is read and dropped. */
  readonly maxResponseBytes: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The first `maxResponseBytes` of the body, decoded as UTF-8. */
  readonly body: string;
  readonly truncated: boolean;
  readonly durationMs: number;
}

/** The request did not finish within `timeoutMs`. */
export class HttpTimeoutError extends Error {
  override readonly name = 'HttpTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`no response within ${timeoutMs} ms`);
  }
}

export function httpRequest(options: HttpRequestOptions): Promise<HttpResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      reject(new Error(`invalid URL: ${options.url}`));
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      reject(new Error(`unsupported protocol ${url.protocol} (http: or https: only)`));
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
    const request = client.request(url, {
      method: options.method,
      headers,
      rejectUnauthorized: options.rejectUnauthorized,
      signal: options.signal,
    });
    const timer = setTimeout(
      () => request.destroy(new HttpTimeoutError(options.timeoutMs)),
      options.timeoutMs,
    );
    timer.unref();
    const fail = (error: unknown) => {
      clearTimeout(timer);
      reject(error);
    };
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      response.on('data', (chunk: Buffer) => {
        const room = options.maxResponseBytes - kept;
        if (room <= 0) {
          truncated = true;
          return;
        }
        if (chunk.length > room) truncated = true;
        const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
        chunks.push(piece);
        kept += piece.length;
      });
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          // A cut inside a multi-byte character decodes to U+FFFD; acceptable for a log excerpt.
          body: Buffer.concat(chunks).toString('utf8'),
          truncated,
          durationMs: performance.now() - started,
        });
      });
    });
    request.end(options.body);
  });
}

/** A short, human description of a request failure (`ECONNREFUSED`, certificate errors, timeouts). */
export function describeHttpError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
