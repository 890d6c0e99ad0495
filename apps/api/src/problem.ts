/**
 * The ONE place that turns errors into `application/problem+json` (RFC 9457). KontrolerError codes, the
 * OpenAPI validator's errors and body-parser errors all land here; anything unknown is a 500 that leaks
 * nothing. A client mistake is never a 500.
 */
import type { ErrorRequestHandler, Response } from 'express';
import { KontrolerError, type ErrorCode } from '@kontroler/core';
import type { Logger } from '@kontroler/core';

/** One field at fault. */
export interface ProblemItem {
  /** Where in the request's model (for a DAG: the DagSpec path, `/tasks/0/colour`). */
  readonly path: string;
  readonly message: string;
  readonly code: string;
  readonly task?: string;
  /** JSON Pointer into the body as sent (`/spec/task/0/colour` in a Kontroler manifest). */
  readonly pointer?: string;
  /** 1-based position in a YAML or DSL body. */
  readonly line?: number;
  readonly column?: number;
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errors?: readonly ProblemItem[];
}

/** An error the API raises itself, with its HTTP status and stable code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors?: readonly ProblemItem[],
    /** Extra headers (e.g. Retry-After). */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, errors?: readonly ProblemItem[]): ApiError =>
  new ApiError(400, 'BAD_REQUEST', message, errors);
export const unauthorized = (message = 'authentication required'): ApiError =>
  new ApiError(401, 'UNAUTHORIZED', message);
export const forbidden = (message = 'not allowed'): ApiError => new ApiError(403, 'FORBIDDEN', message);
export const notFound = (code: string, message: string): ApiError => new ApiError(404, code, message);
export const conflict = (code: string, message: string): ApiError => new ApiError(409, code, message);

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const GENERIC_CODES: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** HTTP status of each core error code. */
const KONTROLER_STATUS: Readonly<Record<ErrorCode, number>> = {
  DAG_INVALID: 422,
  DAG_NOT_FOUND: 404,
  DAG_VERSION_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  RUN_NOT_RETRYABLE: 409,
  RUN_FINISHED: 409,
  PARAMETER_INVALID: 422,
  VERSION_INCOMPATIBLE: 409,
  RUNTIME_NOT_FOUND: 422,
  TASK_TYPE_NOT_FOUND: 422,
  PLUGIN_INVALID: 500,
  ENGINE_STOPPED: 503,
  CONFLICT: 409,
  STORE_UNAVAILABLE: 503,
  INVALID_TRANSITION: 409,
  DI_UNBOUND: 500,
  RUN_OPTION_INVALID: 422,
  TASK_NOT_FOUND: 404,
  TASK_ACTION_REFUSED: 409,
  APPROVAL_TASK_NOT_FOUND: 404,
  APPROVAL_NOT_PENDING: 409,
};

export const kebab = (code: string): string => code.toLowerCase().replace(/_/g, '-');

export function makeProblem(
  status: number,
  code: string,
  detail: string,
  errors?: readonly ProblemItem[],
): Problem {
  return {
    type: `https://kontroler.dev/problems/${kebab(code)}`,
    title: TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'),
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

function fromKontrolerError(error: KontrolerError): Problem {
  const status = KONTROLER_STATUS[error.code];
  if (status >= 500) {
    const detail = status === 503 ? 'the service is temporarily unavailable' : 'internal error';
    return makeProblem(status, error.code, detail);
  }
  if (KontrolerError.is(error, 'DAG_INVALID')) {
    const errors = error.details.issues.map((issue) => ({
      path: issue.path,
      message: issue.message,
      code: issue.code,
      ...(issue.task !== undefined ? { task: issue.task } : {}),
      ...(issue.pointer !== undefined ? { pointer: issue.pointer } : {}),
      ...(issue.line !== undefined ? { line: issue.line } : {}),
      ...(issue.column !== undefined ? { column: issue.column } : {}),
    }));
    return makeProblem(422, 'DAG_INVALID', error.message, errors);
  }
  if (KontrolerError.is(error, 'PARAMETER_INVALID')) {
    const { parameter, reason } = error.details;
    return makeProblem(422, 'PARAMETER_INVALID', error.message, [
      { path: `/parameters/${parameter}`, message: error.message, code: reason.toUpperCase() },
    ]);
  }
  if (KontrolerError.is(error, 'RUN_OPTION_INVALID')) {
    return makeProblem(422, error.code, error.message, [
      { path: `/body/${error.details.option}`, message: error.message, code: error.code },
    ]);
  }
  if (KontrolerError.is(error, 'TASK_TYPE_NOT_FOUND')) {
    return makeProblem(422, error.code, error.message, [
      { path: '/tasks', message: error.message, code: error.code, task: error.details.task },
    ]);
  }
  return makeProblem(status, error.code, error.message);
}

interface ValidatorItem {
  readonly path?: unknown;
  readonly message?: unknown;
  readonly errorCode?: unknown;
}

/** The 413 detail, naming the limit (body-parser reports it in bytes). */
function tooLarge(limit: unknown): string {
  if (typeof limit !== 'number') return 'the request body is too large';
  const mib = limit / 1024 / 1024;
  const size = Number.isInteger(mib) ? `${mib} MB` : `${limit} bytes`;
  return `the request body exceeds the limit of ${size} (${limit} bytes)`;
}

/** Body-parser and express-openapi-validator errors carry a 4xx `status`. */
function fromHttpError(error: Record<string, unknown>, status: number): Problem {
  const type = error.type;
  if (type === 'entity.parse.failed') return makeProblem(400, 'MALFORMED_JSON', 'the body is not valid JSON');
  if (type === 'entity.too.large') return makeProblem(413, 'PAYLOAD_TOO_LARGE', tooLarge(error.limit));
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return makeProblem(415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported content encoding or charset');
  }
  const rawItems = Array.isArray(error.errors) ? (error.errors as ValidatorItem[]) : [];
  const items: ProblemItem[] = rawItems.map((item) => ({
    path: typeof item.path === 'string' ? item.path.replace(/^\./, '/').replace(/\./g, '/') : '',
    message: typeof item.message === 'string' ? item.message : 'invalid',
    code:
      typeof item.errorCode === 'string' ? item.errorCode.replace(/\.openapi\.validation$/, '') : 'invalid',
  }));
  let code = GENERIC_CODES[status] ?? (status === 400 ? 'BAD_REQUEST' : 'CLIENT_ERROR');
  if (status === 400 && items.length > 0) code = 'VALIDATION_FAILED';
  const message = typeof error.message === 'string' ? error.message : (TITLES[status] ?? 'client error');
  return makeProblem(status, code, message.slice(0, 500), items);
}

/** Any thrown value → a problem. Unknown errors become an opaque 500. */
export function toProblem(error: unknown): Problem {
  if (error instanceof ApiError) return makeProblem(error.status, error.code, error.message, error.errors);
  if (error instanceof KontrolerError) return fromKontrolerError(error);
  if (typeof error === 'object' && error !== null) {
    const record = error as Record<string, unknown>;
    const status = typeof record.status === 'number' ? record.status : record.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return fromHttpError(record, status);
  }
  return makeProblem(500, 'INTERNAL', 'internal error');
}

export function sendProblem(
  res: Response,
  problem: Problem,
  headers?: Readonly<Record<string, string>>,
): void {
  if (headers) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

/** The express error handler: the last middleware of the app. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    // The security handler records the precise auth problem; the validator only keeps its status.
    const authProblem = (req as { authProblem?: ApiError }).authProblem;
    const status = (error as { status?: unknown } | null)?.status;
    const chosen = authProblem !== undefined && authProblem.status === status ? authProblem : error;
    const problem = toProblem(chosen);
    if (problem.status >= 500) logger.error({ err: error, path: req.path }, 'request failed');
    sendProblem(res, problem, chosen instanceof ApiError ? chosen.headers : undefined);
  };
}
