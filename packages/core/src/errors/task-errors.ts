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
