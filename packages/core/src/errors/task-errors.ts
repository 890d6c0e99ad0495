/**
 * Errors that task types and runtimes throw to state retry intent where they fail.
 */

/** The task failed and must not be retried, whatever its retry policy says. */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
}

/** The task failed and may be retried, but not before `retryAfterMs` (e.g. a 429 with Retry-After). */
export class RetryAfterError extends Error {
  override readonly name = 'RetryAfterError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/**
 * The task could not be started: its command or image does not exist, the image cannot be pulled, the
 * pod was rejected. Starting it again the same way cannot help, so only `retryPolicy: OnError | Always`
 * retries it (or an exit code the task lists in `conditional.retryCodes`).
 */
export class TaskStartError extends Error {
  override readonly name = 'TaskStartError';
  constructor(
    message: string,
    /** The exit code a shell would give for it (127 not found, 126 not executable), when there is one. */
    readonly exitCode: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The task failed for a reason known to pass (a server answering 5xx or 429, an engine not reachable);
 * retried by every policy but `OnFailure`.
 */
export class TransientTaskError extends Error {
  override readonly name = 'TransientTaskError';
}
