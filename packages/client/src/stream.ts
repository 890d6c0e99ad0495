import { ApiProblem } from './problem.js';
import { SseParser, type SseMessage } from './sse.js';

export interface StreamOptions {
  /** Query parameters; `undefined` values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Ends the stream for good. */
  signal: AbortSignal;
  /** Resume after this event id (sent as `Last-Event-ID` on the first connection too). */
  lastEventId?: string | null;
  onMessage(message: SseMessage): void;
  /** Called whenever the connection is (re)established or lost. */
  onStatus?(status: 'open' | 'reconnecting' | 'closed'): void;
  /** Event names after which the stream is finished and must not reconnect (`end` of a log). */
  endEvents?: readonly string[];
}

/** What `followStream` needs of the client: where the API is and how to send an authorised request. */
export interface StreamTransport {
  url(path: string, query?: StreamOptions['query']): string;
  /** Sends the request with the client's credentials and answers its response, 2xx or not. */
  send(request: Request): Promise<Response>;
  /** Milliseconds to wait before the n-th reconnection (0-based) when the server set no `retry:`. */
  reconnectDelay(attempt: number): number;
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/**
 * Reads a Server-Sent Events stream over `fetch` (so it sends the same `Authorization` header as every
 * other request; `EventSource` cannot) until `signal` aborts or an end event arrives. After a dropped
 * connection it reconnects with `Last-Event-ID`, so the server replays what was missed. A 4xx other than
 * 408 will not heal by retrying: it rejects with the `ApiProblem`.
 */
export async function followStream(
  transport: StreamTransport,
  path: string,
  options: StreamOptions,
): Promise<void> {
  const parser = new SseParser();
  parser.lastEventId = options.lastEventId ?? null;
  const ends = new Set(options.endEvents ?? []);
  let failures = 0;
  while (!options.signal.aborted) {
    let ended = false;
    try {
      const headers = new Headers({ Accept: 'text/event-stream' });
      if (parser.lastEventId) headers.set('Last-Event-ID', parser.lastEventId);
      const request = new Request(transport.url(path, options.query), {
        headers,
        signal: options.signal,
      });
      const res = await transport.send(request);
      if (!res.ok) throw await ApiProblem.fromResponse(res);
      if (!res.body) throw ApiProblem.network(new Error('The stream has no body'));
      options.onStatus?.('open');
      failures = 0;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const message of parser.feed(value)) {
            options.onMessage(message);
            if (ends.has(message.event)) ended = true;
          }
          if (ended) break;
        }
      } finally {
        reader.cancel().catch(() => undefined);
      }
    } catch (err) {
      if (options.signal.aborted) break;
      // A dropped connection (a network problem, a reset mid-read, a 5xx) is retried below.
      if (err instanceof ApiProblem && err.status >= 400 && err.status < 500 && err.status !== 408) {
        options.onStatus?.('closed');
        throw err;
      }
    }
    if (ended || options.signal.aborted) break;
    options.onStatus?.('reconnecting');
    await pause(parser.retryMs ?? transport.reconnectDelay(failures++), options.signal);
  }
  options.onStatus?.('closed');
}
