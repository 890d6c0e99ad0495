import type { Problem, ProblemFieldError } from './types.js';

/** The code of a request that never got an answer (no connection, DNS, CORS, a reset). */
export const NETWORK_ERROR = 'NETWORK';

/**
 * A failed API call: the `application/problem+json` body (RFC 9457) as a typed error. Callers switch on
 * `code` (stable, from the server's error codes) or `status`, never on message text; `errors` names the
 * fields (and tasks) at fault. A request that got no answer has status 0 and code `NETWORK`.
 */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  readonly status: number;
  readonly code: string;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: readonly ProblemFieldError[];

  constructor(problem: Omit<Problem, 'detail'> & { detail?: string | undefined }, options?: ErrorOptions) {
    super(problem.detail ?? problem.title, options);
    this.status = problem.status;
    this.code = problem.code;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
  }

  /**
   * Reads a failed answer whose body is already parsed (as openapi-fetch hands it over) or still raw
   * text; tolerates bodies that are not problem+json (a proxy's HTML page, an empty 502).
   */
  static from(status: number, statusText: string, body: unknown): ApiProblem {
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // Not JSON: kept as the detail below when it is short enough to be a message.
      }
    }
    return new ApiProblem(toProblem(status, statusText, body));
  }

  /** Reads a failed `Response`, consuming its body. */
  static async fromResponse(res: Response): Promise<ApiProblem> {
    const text = await res.text().catch(() => '');
    return ApiProblem.from(res.status, res.statusText, text);
  }

  /** A request that got no answer. */
  static network(cause: unknown): ApiProblem {
    return new ApiProblem(
      {
        type: 'about:blank',
        title: 'Network error',
        status: 0,
        code: NETWORK_ERROR,
        detail: cause instanceof Error ? cause.message : 'The server could not be reached',
      },
      { cause },
    );
  }

  /** The message of the first error per field, keyed by JSON path, for forms that mark the field at fault. */
  byPath(): Map<string, string> {
    const out = new Map<string, string>();
    for (const e of this.errors) if (!out.has(e.path)) out.set(e.path, e.message);
    return out;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `https://…/problems/dag-cycle` → `DAG_CYCLE`, for servers that send a type but no code. */
function codeOfType(type: string): string | undefined {
  const m = /\/problems\/([a-z0-9-]+)$/.exec(type);
  return m?.[1]?.toUpperCase().replace(/-/g, '_');
}

function fieldError(e: Record<string, unknown>): ProblemFieldError {
  return {
    path: typeof e.path === 'string' ? e.path : '',
    message: typeof e.message === 'string' ? e.message : String(e.message ?? ''),
    code: typeof e.code === 'string' ? e.code : 'INVALID',
    ...(typeof e.task === 'string' ? { task: e.task } : {}),
    ...(typeof e.pointer === 'string' ? { pointer: e.pointer } : {}),
    ...(typeof e.line === 'number' ? { line: e.line } : {}),
    ...(typeof e.column === 'number' ? { column: e.column } : {}),
  };
}

/** Normalises whatever the server sent into a problem, keeping every field it got right. */
function toProblem(
  status: number,
  statusText: string,
  body: unknown,
): Omit<Problem, 'detail'> & { detail?: string } {
  if (!isRecord(body)) {
    const text = typeof body === 'string' ? body : '';
    return {
      type: 'about:blank',
      title: statusText || `HTTP ${status}`,
      status,
      code: `HTTP_${status}`,
      ...(text && text.length < 300 ? { detail: text } : {}),
    };
  }
  const type = typeof body.type === 'string' ? body.type : 'about:blank';
  return {
    type,
    title: typeof body.title === 'string' ? body.title : statusText || `HTTP ${status}`,
    status: typeof body.status === 'number' ? body.status : status,
    ...(typeof body.detail === 'string' ? { detail: body.detail } : {}),
    code: typeof body.code === 'string' ? body.code : (codeOfType(type) ?? `HTTP_${status}`),
    errors: Array.isArray(body.errors) ? body.errors.filter(isRecord).map(fieldError) : [],
  };
}
