/**
 * Streaming GETs over HTTP/2, for the streams a controller holds for as long as a pod runs (log follows).
 * Over HTTP/1.1 each such stream holds a TLS socket of its own, and with it about 120 KB of the process's
 * memory (`npm run bench -- controller`: its 256 follows were 34 MB of the RSS with 10,000 pods running).
 * Here they share connections: as many streams on one as the server allows (the kube-apiserver allows 100
 * since its fix for CVE-2023-44487; Go's default is 250), a new connection when those are taken, and a
 * connection without streams closes after `idleMs`.
 */
import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { SecureClientSessionOptions } from 'node:http2';

/** The server answered without HTTP/2 (no `h2` in its TLS handshake): use HTTP/1.1 instead. */
export class Http2UnavailableError extends Error {
  override readonly name = 'Http2UnavailableError';
}

/** An answer's status; the body is the stream. */
export interface Http2Answer {
  readonly status: number;
  readonly stream: ClientHttp2Stream;
}

interface Session {
  readonly http2: ClientHttp2Session;
  /** What the server allows at once on this connection (its SETTINGS). */
  readonly limit: number;
  streams: number;
  idle: NodeJS.Timeout | undefined;
}

export interface Http2StreamsOptions {
  /** `https://host:port` of the server. */
  readonly origin: string;
  /** A connection with no stream left closes after this long. @default 30000 */
  readonly idleMs?: number;
  /**
   * A connection not ready (TLS and the server's SETTINGS) after this long fails with `ETIMEDOUT`: every
   * stream waiting for it would otherwise wait on a server that accepted and went silent. @default 30000
   */
  readonly connectTimeoutMs?: number;
}

export class Http2Streams {
  readonly #origin: string;
  readonly #idleMs: number;
  readonly #connectTimeoutMs: number;
  readonly #sessions = new Set<Session>();
  #connecting: Promise<Session> | undefined;
  #closed = false;

  constructor(options: Http2StreamsOptions) {
    this.#origin = options.origin;
    this.#idleMs = options.idleMs ?? 30_000;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
  }

  /** Open connections, for tests and metrics. */
  get connections(): number {
    return this.#sessions.size;
  }

  /**
   * Sends a GET for `path` (with its query) on a connection that has room, opening one with `tls` when none
   * has, and resolves with the answer's status once its headers arrive. Rejects with
   * `Http2UnavailableError` when the server does not speak HTTP/2.
   */
  async get(
    path: string,
    headers: Readonly<Record<string, string>>,
    tls: SecureClientSessionOptions,
    signal?: AbortSignal,
  ): Promise<Http2Answer> {
    signal?.throwIfAborted();
    const session = await this.#session(tls);
    const requestHeaders: http2.OutgoingHttpHeaders = { ':method': 'GET', ':path': path };
    for (const [name, value] of Object.entries(headers)) requestHeaders[name.toLowerCase()] = value;
    let stream: ClientHttp2Stream;
    try {
      stream = session.http2.request(requestHeaders, { endStream: true, ...(signal ? { signal } : {}) });
    } catch (error) {
      this.#give(session);
      throw error;
    }
    stream.once('close', () => this.#give(session));
    // An error after the headers is the reader's to see (a stream's iterator rethrows it); without a
    // listener an error between the headers and the first read would be thrown instead.
    stream.on('error', () => {});
    return new Promise<Http2Answer>((resolve, reject) => {
      stream.once('response', (answer) => {
        stream.off('error', reject);
        resolve({ status: Number(answer[':status']), stream });
      });
      stream.once('error', reject);
      // Closed without headers or an error (the connection went away gracefully): a no-op once resolved.
      stream.once('close', () =>
        reject(Object.assign(new Error('the stream closed before its answer'), { code: 'ECONNRESET' })),
      );
    });
  }

  /** Closes every connection, cutting the streams on them. */
  close(): void {
    this.#closed = true;
    for (const session of this.#sessions) session.http2.destroy();
    this.#sessions.clear();
  }

  /** A connection with room, its stream already counted (callers resume one by one after an await). */
  async #session(tls: SecureClientSessionOptions): Promise<Session> {
    for (;;) {
      for (const session of this.#sessions) {
        if (session.streams < session.limit) {
          this.#take(session);
          return session;
        }
      }
      // One connection is opened at a time: callers that find every connection full wait for it.
      if (!this.#connecting) {
        this.#connecting = this.#connect(tls).finally(() => (this.#connecting = undefined));
      }
      await this.#connecting;
    }
  }

  #connect(tls: SecureClientSessionOptions): Promise<Session> {
    if (this.#closed) return Promise.reject(new Error('the HTTP/2 streams are closed'));
    return new Promise<Session>((resolve, reject) => {
      // http/1.1 is offered too: a server that has only it may otherwise end the handshake with an alert.
      const connection = http2.connect(this.#origin, { ...tls, ALPNProtocols: ['h2', 'http/1.1'] });
      const timeout = setTimeout(() => {
        const message = `no HTTP/2 connection to ${this.#origin} after ${this.#connectTimeoutMs} ms`;
        fail(Object.assign(new Error(message), { code: 'ETIMEDOUT' }));
      }, this.#connectTimeoutMs);
      const fail = (error: unknown) => {
        clearTimeout(timeout);
        connection.destroy();
        const code = (error as { code?: unknown } | null)?.code;
        reject(
          code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL'
            ? new Http2UnavailableError(`${this.#origin} did not offer h2`)
            : error,
        );
      };
      connection.once('error', fail);
      // The server's SETTINGS frame comes first on every HTTP/2 connection and says how many streams fit.
      connection.once('remoteSettings', (settings) => {
        clearTimeout(timeout);
        connection.off('error', fail);
        const session: Session = {
          http2: connection,
          limit: settings.maxConcurrentStreams ?? 100,
          streams: 0,
          idle: undefined,
        };
        const forget = () => {
          clearTimeout(session.idle);
          this.#sessions.delete(session);
        };
        // GOAWAY (an apiserver shutting down) takes no new streams; its streams end on their own.
        connection.once('goaway', forget);
        connection.once('close', forget);
        connection.on('error', forget);
        this.#sessions.add(session);
        this.#idle(session);
        resolve(session);
      });
      connection.once('connect', () => {
        // Without `h2` from ALPN, Node cannot speak HTTP/2 on this socket.
        if (connection.alpnProtocol !== 'h2')
          fail(new Http2UnavailableError(`${this.#origin} did not offer h2`));
      });
    });
  }

  #take(session: Session): void {
    session.streams++;
    clearTimeout(session.idle);
    session.idle = undefined;
    session.http2.ref();
  }

  #give(session: Session): void {
    session.streams--;
    // A connection already forgotten (GOAWAY, closed) needs no idle timer.
    if (session.streams === 0 && this.#sessions.has(session)) this.#idle(session);
  }

  /** An unused connection neither holds the process open nor lives on past `idleMs`. */
  #idle(session: Session): void {
    session.http2.unref();
    session.idle = setTimeout(() => {
      if (session.streams === 0) {
        this.#sessions.delete(session);
        session.http2.close();
      }
    }, this.#idleMs);
    session.idle.unref();
  }
}
