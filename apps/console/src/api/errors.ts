import type { Problem, ProblemFieldError } from './types';

/**
 * Every failed API call surfaces as one `ApiError`: the problem+json body's stable `code`, its
 * `errors[]` (the field and task at fault) and the HTTP status. Callers switch on `code` or `status`,
 * never on message text. A network failure has status 0 and code `NETWORK`.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: readonly ProblemFieldError[];

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.status = problem.status;
    this.code = problem.code;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
  }

  /** Reads a failed response; tolerates bodies that are not problem+json (proxies, HTML error pages). */
  static async fromResponse(res: Response): Promise<ApiError> {
    let body: unknown = undefined;
    const text = await res.text().catch(() => '');
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    return new ApiError(toProblem(res.status, res.statusText, body, text));
  }

  static network(cause: unknown): ApiError {
    const err = new ApiError({
      type: 'about:blank',
      title: 'Network error',
      status: 0,
      code: 'NETWORK',
      detail: cause instanceof Error ? cause.message : 'The server could not be reached',
    });
    return err;
  }

  /** Errors that name a field, keyed by JSON path, for forms that mark the field at fault. */
  byPath(): Map<string, string> {
    const out = new Map<string, string>();
    for (const e of this.errors) if (!out.has(e.path)) out.set(e.path, e.message);
    return out;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kebabToCode(type: string): string | undefined {
  const m = /\/problems\/([a-z0-9-]+)$/.exec(type);
  return m?.[1]?.toUpperCase().replace(/-/g, '_');
}

/** Normalises whatever the server sent into a `Problem`. */
export function toProblem(status: number, statusText: string, body: unknown, text = ''): Problem {
  if (!isRecord(body)) {
    return {
      type: 'about:blank',
      title: statusText || `HTTP ${status}`,
      status,
      code: `HTTP_${status}`,
      detail: text && text.length < 300 ? text : undefined,
    };
  }
  const type = typeof body.type === 'string' ? body.type : 'about:blank';
  const errors: ProblemFieldError[] = Array.isArray(body.errors)
    ? body.errors.filter(isRecord).map((e) => ({
        path: typeof e.path === 'string' ? e.path : '',
        message: typeof e.message === 'string' ? e.message : String(e.message ?? ''),
        code: typeof e.code === 'string' ? e.code : 'INVALID',
        ...(typeof e.task === 'string' ? { task: e.task } : {}),
        ...(typeof e.pointer === 'string' ? { pointer: e.pointer } : {}),
        ...(typeof e.line === 'number' ? { line: e.line } : {}),
        ...(typeof e.column === 'number' ? { column: e.column } : {}),
      }))
    : [];
  return {
    type,
    title: typeof body.title === 'string' ? body.title : statusText || `HTTP ${status}`,
    status: typeof body.status === 'number' ? body.status : status,
    detail: typeof body.detail === 'string' ? body.detail : undefined,
    code: typeof body.code === 'string' ? body.code : (kebabToCode(type) ?? `HTTP_${status}`),
    errors,
  };
}
