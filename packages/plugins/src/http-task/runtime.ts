/**
 * The `http` task type: a task that is one HTTP request. Settings live in the task's `with`:
 *
 * ```yaml
 * - name: notify
 *   type: http
 *   with:
 *     method: POST                       # default GET (POST when there is a body)
 *     url: https://api.example/v1/jobs
 *     headers:
 *       authorization: {fromSecret: api-token}   # resolved through the secret source
 *       x-team: data
 *     body: {job: nightly}               # a string is sent as is; anything else as JSON
 *     expectedStatus: [200, 201]         # default: any 2xx
 *     timeoutMs: 10000                   # default: 30000, and never beyond timeoutSeconds
 *     verifySSL: true                    # default true
 *   outputs:                             # read from the response (value-from.ts)
 *     - {name: jobId, valueFrom: /body/id}
 *     - {name: code, valueFrom: /status}
 * ```
 */
import type { AttemptContext, Plugin, Runtime, TaskOutcome } from '@kontroler/core';
import { abortKind } from '../shared/abort.js';
import { describeHttpError, httpRequest, HttpTimeoutError } from '../shared/http-request.js';
import { noSecrets, SECRET_NOT_FOUND, SecretNotFoundError, type SecretSource } from '../secrets/index.js';
import { LineSplitter } from '../shared/line-splitter.js';
import { httpOutputs, httpResultDocument, readsBody, valueFromProblem } from './value-from.js';

export interface HttpTaskOptions {
  /** Where `{fromSecret: name}` header values are resolved. @default a source with no secrets */
  readonly secretSource?: SecretSource;
  /** Request deadline when the task sets no `timeoutMs`. @default 30000 */
  readonly defaultTimeoutMs?: number;
  /** Response bytes written to the log; the rest is dropped. @default 65536 */
  readonly maxLoggedBodyBytes?: number;
  /**
   * Response bytes read when an output takes its value from the body (`valueFrom: /body…`); a longer body
   * fails the task with `ResponseTooLarge` rather than giving outputs from a cut body. @default 1048576
   */
  readonly maxResponseBytes?: number;
  /** The task type's name. @default 'http' */
  readonly type?: string;
}

/** A header value: a literal, or a secret by name. */
export type HttpHeaderValue = string | { readonly fromSecret: string };

/** The settings of an `http` task, from `task.with`. */
export interface HttpTaskSpec {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, HttpHeaderValue>>;
  readonly body: string | undefined;
  /** True when `body` was given as JSON (so content-type defaults to application/json). */
  readonly json: boolean;
  readonly expectedStatus: readonly number[] | null;
  readonly timeoutMs: number | undefined;
  readonly verifySSL: boolean;
}

/** Reads and checks `task.with`; returns a message for the first problem. */
export function parseHttpTask(
  settings: Readonly<Record<string, unknown>> | undefined,
): HttpTaskSpec | string {
  const w = settings ?? {};
  const { url, method, headers, body, expectedStatus, timeoutMs, verifySSL } = w;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url))
    return 'with.url must be an http:// or https:// URL';
  if (method !== undefined && (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method))) {
    return 'with.method must be an HTTP method name';
  }
  const parsedHeaders: Record<string, HttpHeaderValue> = {};
  if (headers !== undefined) {
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers))
      return 'with.headers must be an object';
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value === 'string') parsedHeaders[name] = value;
      else if (
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { fromSecret?: unknown }).fromSecret === 'string'
      ) {
        parsedHeaders[name] = { fromSecret: (value as { fromSecret: string }).fromSecret };
      } else return `with.headers.${name} must be a string or {fromSecret: name}`;
    }
  }
  if (
    expectedStatus !== undefined &&
    (!Array.isArray(expectedStatus) ||
      !expectedStatus.every((s) => Number.isInteger(s) && s >= 100 && s <= 599))
  ) {
    return 'with.expectedStatus must be a list of HTTP status codes';
  }
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs > 0)))
    return 'with.timeoutMs must be a positive number';
  if (verifySSL !== undefined && typeof verifySSL !== 'boolean') return 'with.verifySSL must be a boolean';
  const json = body !== undefined && typeof body !== 'string';
  return {
    method: (method ?? (body !== undefined ? 'POST' : 'GET')).toUpperCase(),
    url,
    headers: parsedHeaders,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    json,
    expectedStatus: (expectedStatus as number[] | undefined) ?? null,
    timeoutMs: timeoutMs as number | undefined,
    verifySSL: verifySSL ?? true,
  };
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from `now`; undefined when absent or bad. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const failed = (reason: string, message: string, extra: Partial<TaskOutcome> = {}): TaskOutcome => ({
  status: 'failed',
  exitCode: null,
  reason,
  message,
  ...extra,
});

/** The request could not be made at all (bad settings, a missing secret): logged, and kind `start`. */
function startFailure(ctx: AttemptContext, outcome: TaskOutcome): TaskOutcome {
  ctx.log({
    stream: 'system',
    line: `${outcome.reason}: ${outcome.message ?? 'the request could not be made'}`,
  });
  return { ...outcome, failureKind: 'start' };
}

/** 5xx and 429 are the server's passing trouble (retried by OnTransientError); other statuses are the task's. */
function statusKind(status: number): 'transient' | 'exit' {
  return status >= 500 || status === 429 ? 'transient' : 'exit';
}

/** Network errors that pass on their own (a server restarting, a flaky link); a bad certificate does not. */
const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

function networkKind(error: unknown): 'transient' | 'infra' {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return code !== undefined && TRANSIENT_NETWORK_CODES.has(code) ? 'transient' : 'infra';
}

export function createHttpTaskRuntime(options: HttpTaskOptions = {}): Runtime {
  const secrets = options.secretSource ?? noSecrets;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
  const maxLoggedBodyBytes = options.maxLoggedBodyBytes ?? 65_536;
  const maxResponseBytes = options.maxResponseBytes ?? 1_048_576;
  const running = new Map<string, Promise<TaskOutcome>>();

  async function run(ctx: AttemptContext): Promise<TaskOutcome> {
    const spec = parseHttpTask(ctx.task.spec.with);
    if (typeof spec === 'string') {
      return startFailure(
        ctx,
        failed('InvalidTask', `task "${ctx.taskName}": ${spec}`, { nonRetryable: true }),
      );
    }

    const declared = ctx.task.spec.outputs ?? [];
    for (const output of declared) {
      const problem = valueFromProblem(output);
      if (problem !== null) {
        return startFailure(
          ctx,
          failed('InvalidTask', `task "${ctx.taskName}": ${problem}`, { nonRetryable: true }),
        );
      }
    }
    const keepBody = readsBody(declared);

    const headers: Record<string, string> = {};
    try {
      for (const [name, value] of Object.entries(spec.headers)) {
        headers[name.toLowerCase()] =
          typeof value === 'string' ? value : await secrets.resolve(value.fromSecret);
      }
    } catch (error) {
      if (error instanceof SecretNotFoundError)
        return startFailure(ctx, failed(SECRET_NOT_FOUND, error.message, { nonRetryable: true }));
      throw error;
    }
    if (spec.json && headers['content-type'] === undefined) headers['content-type'] = 'application/json';

    const taskDeadlineMs = ctx.task.timeoutSeconds !== undefined ? ctx.task.timeoutSeconds * 1000 : Infinity;
    const timeoutMs = Math.min(spec.timeoutMs ?? defaultTimeoutMs, taskDeadlineMs);
    // Secrets are never logged: only the method and URL.
    ctx.log({ stream: 'system', line: `${spec.method} ${spec.url}` });
    let response;
    try {
      response = await httpRequest({
        method: spec.method,
        url: spec.url,
        headers,
        ...(spec.body !== undefined ? { body: spec.body } : {}),
        timeoutMs,
        rejectUnauthorized: spec.verifySSL,
        signal: ctx.signal,
        maxResponseBytes: keepBody ? Math.max(maxResponseBytes, maxLoggedBodyBytes) : maxLoggedBodyBytes,
      });
    } catch (error) {
      if (ctx.signal.aborted) {
        const kind = abortKind(ctx.signal.reason);
        const message = {
          Timeout: 'timed out',
          Canceled: 'canceled',
          Lost: 'the engine gave the attempt up',
        }[kind];
        return failed(kind, message);
      }
      if (error instanceof HttpTimeoutError) return failed('Timeout', `no response within ${timeoutMs} ms`);
      const message = describeHttpError(error);
      ctx.log({ stream: 'system', line: `NetworkError: ${message}` });
      return failed('NetworkError', message, { failureKind: networkKind(error) });
    }

    ctx.log({ stream: 'system', line: `HTTP ${response.status} in ${Math.round(response.durationMs)} ms` });
    const splitter = new LineSplitter(16_384, (line) => ctx.log({ stream: 'stdout', line }));
    const bytes = Buffer.from(response.body, 'utf8');
    const logged = bytes.length > maxLoggedBodyBytes;
    splitter.push(logged ? bytes.subarray(0, maxLoggedBodyBytes).toString('utf8') : response.body);
    splitter.end();
    if (response.truncated || logged)
      ctx.log({ stream: 'system', line: `response body truncated to ${maxLoggedBodyBytes} bytes` });

    const expected = spec.expectedStatus;
    const ok =
      expected === null
        ? response.status >= 200 && response.status < 300
        : expected.includes(response.status);
    if (ok) {
      const done: TaskOutcome = {
        status: 'succeeded',
        exitCode: null,
        reason: 'Completed',
        message: `HTTP ${response.status}`,
      };
      if (declared.length === 0) return done;
      if (keepBody && response.truncated) {
        const message = `the response body is over ${maxResponseBytes} bytes (maxResponseBytes); outputs are never read from a cut body`;
        ctx.log({ stream: 'system', line: `ResponseTooLarge: ${message}` });
        return failed('ResponseTooLarge', message, { nonRetryable: true, failureKind: 'exit' });
      }
      const read = httpOutputs(
        declared,
        httpResultDocument(response.status, response.headers, response.body),
      );
      for (const note of read.notes) ctx.log({ stream: 'system', line: note });
      // The engine checks the size limits (OutputTooLarge) as for every runtime's outputs.
      return { ...done, outputs: read.outputs };
    }
    const wanted = expected === null ? '2xx' : expected.join(', ');
    const message = `HTTP ${response.status} (expected ${wanted})`;
    const failureKind = statusKind(response.status);
    if (response.status === 429 || response.status === 503) {
      const header = response.headers['retry-after'];
      const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header, Date.now());
      if (retryAfterMs !== undefined) {
        return failed('HttpStatus', `${message}, retry after ${retryAfterMs} ms`, {
          retryAfterMs,
          failureKind,
        });
      }
    }
    return failed('HttpStatus', message, { failureKind });
  }

  return {
    name: options.type ?? 'http',
    execute(ctx) {
      const current = running.get(ctx.attemptId);
      if (current) return current;
      if (ctx.reclaimed) {
        // The engine that sent it stopped; whether the request went out is unknown. Retry by policy.
        return Promise.resolve(failed('Lost', 'the request was lost when its engine stopped'));
      }
      const promise = run(ctx)
        .catch((error: unknown) =>
          failed('RuntimeError', error instanceof Error ? error.message : String(error)),
        )
        .finally(() => running.delete(ctx.attemptId));
      running.set(ctx.attemptId, promise);
      return promise;
    },
  };
}

/** Registers task type `http` (or `options.type`). */
export function httpTaskPlugin(options: HttpTaskOptions = {}): Plugin {
  return {
    name: '@kontroler/plugins/http-task',
    setup(host) {
      host.registerTaskType(options.type ?? 'http', createHttpTaskRuntime(options));
    },
  };
}
