/**
 * A minimal Docker Engine API client over node:http: a Unix socket (`unix:///var/run/docker.sock`) or TCP
 * (`tcp://host:2375`). It speaks the unversioned paths, which Docker and Podman's compatible service both
 * serve at their current API version, so no version needs negotiating.
 */
import http, { type IncomingMessage } from 'node:http';

/** Where an engine listens, parsed from a `DOCKER_HOST`-style URL. */
export type EngineAddress =
  | { readonly kind: 'unix'; readonly socketPath: string; readonly url: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly url: string };

/** Machine-readable cause of an `EngineError`. */
export type EngineErrorCode =
  /** Nothing answered: no socket, connection refused, the engine went away. */
  | 'ENGINE_UNREACHABLE'
  /** The engine answered with an error status. */
  | 'ENGINE_REFUSED'
  /** No answer within the request's deadline. */
  | 'ENGINE_TIMEOUT';

/** A failed engine request. `status` is the HTTP status when the engine answered. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly status: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static is(error: unknown, status?: number): error is EngineError {
    return error instanceof EngineError && (status === undefined || error.status === status);
  }
}

/** Parses `unix:///path`, `tcp://host:port` or `http://host:port`; a bare path means a Unix socket. */
export function parseEngineAddress(value: string): EngineAddress {
  const text = value.trim();
  if (text.startsWith('/')) return { kind: 'unix', socketPath: text, url: `unix://${text}` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`DOCKER_HOST must be unix:///path or tcp://host:port, not "${value}"`);
  }
  if (url.protocol === 'unix:') {
    const socketPath = decodeURIComponent(url.pathname);
    if (socketPath === '' || socketPath === '/')
      throw new Error(`DOCKER_HOST "${value}" names no socket path`);
    return { kind: 'unix', socketPath, url: `unix://${socketPath}` };
  }
  if (url.protocol === 'tcp:' || url.protocol === 'http:') {
    const port = url.port === '' ? 2375 : Number(url.port);
    return { kind: 'tcp', host: url.hostname, port, url: `tcp://${url.hostname}:${port}` };
  }
  throw new Error(
    `DOCKER_HOST "${value}" uses ${url.protocol}; only unix:// and tcp:// (without TLS) are supported`,
  );
}

export interface EngineRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, e.g. `/containers/create?name=x`. */
  readonly path: string;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** Deadline for the whole request; none for long polls (`wait`, `logs?follow`, pulls). */
  readonly timeoutMs?: number;
}

export interface EngineResponse<T> {
  readonly status: number;
  readonly body: T;
}

export interface EngineClient {
  readonly address: EngineAddress;
  /** Sends a request and parses a JSON answer (an empty body gives `undefined`); error statuses throw. */
  json<T>(request: EngineRequest): Promise<EngineResponse<T>>;
  /** Sends a request and hands back the streaming response; error statuses throw. */
  stream(request: EngineRequest): Promise<IncomingMessage>;
  /** Ends idle keep-alive connections. */
  close(): void;
}

const ERROR_BODY_LIMIT = 64 * 1024;

/** The engine's own error text: Docker sends `{message}`, Podman `{message, cause, response}`. */
function errorMessage(status: number, text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string' && parsed.message !== '') return parsed.message;
  } catch {
    // not JSON: use the text itself
  }
  return text.trim() || `HTTP ${status}`;
}

function readAll(response: IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      if (size < limit) chunks.push(chunk);
      size += chunk.length;
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

export function createEngineClient(address: EngineAddress): EngineClient {
  const agent = new http.Agent({ keepAlive: true });

  function send(request: EngineRequest): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
      const target =
        address.kind === 'unix'
          ? { socketPath: address.socketPath }
          : { host: address.host, port: address.port };
      const req = http.request({
        ...target,
        agent,
        method: request.method,
        path: request.path,
        headers: {
          host: 'docker',
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
        ...(request.signal ? { signal: request.signal } : {}),
      });
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (request.timeoutMs !== undefined) {
        const timeoutMs = request.timeoutMs;
        timer = setTimeout(() => {
          req.destroy(
            new EngineError(
              'ENGINE_TIMEOUT',
              `${request.method} ${request.path}: no answer from the container engine at ${address.url} within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        timer.unref();
      }
      req.on('response', (response) => {
        if (timer) clearTimeout(timer);
        const status = response.statusCode ?? 0;
        if (status < 400) {
          resolve(response);
          return;
        }
        readAll(response, ERROR_BODY_LIMIT).then(
          (text) => reject(new EngineError('ENGINE_REFUSED', errorMessage(status, text), status)),
          reject,
        );
      });
      req.on('error', (error) => {
        if (timer) clearTimeout(timer);
        if (error instanceof EngineError || error.name === 'AbortError') {
          reject(error);
          return;
        }
        reject(
          new EngineError(
            'ENGINE_UNREACHABLE',
            `the container engine at ${address.url} did not answer: ${error.message}`,
            null,
            { cause: error },
          ),
        );
      });
      req.end(payload);
    });
  }

  return {
    address,
    async json<T>(request: EngineRequest): Promise<EngineResponse<T>> {
      const response = await send(request);
      const text = await readAll(response);
      const status = response.statusCode ?? 0;
      if (text.trim() === '') return { status, body: undefined as T };
      try {
        return { status, body: JSON.parse(text) as T };
      } catch (error) {
        throw new EngineError(
          'ENGINE_REFUSED',
          `${request.method} ${request.path}: the engine answered with invalid JSON`,
          status,
          { cause: error },
        );
      }
    },
    stream: send,
    close() {
      agent.destroy();
    },
  };
}
