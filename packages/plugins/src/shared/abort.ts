/**
 * The engine aborts `AttemptContext.signal` when the attempt is canceled or its deadline passes;
 * `signal.reason` says which. We accept the forms a host may reasonably use: the planner's reason string
 * (`'Timeout' | 'Canceled' | 'Lost'`), an object carrying it, or an Error named `TimeoutError` (`AbortSignal.timeout`).
 */
export type AbortKind = 'Timeout' | 'Canceled' | 'Lost';

/** `Lost`: the engine gave the attempt up (its lease was lost, or it is shutting down without draining). */
export function abortKind(reason: unknown): AbortKind {
  if (reason === 'Timeout' || reason === 'Canceled' || reason === 'Lost') return reason;
  if (typeof reason === 'object' && reason !== null) {
    const named = reason as { name?: unknown; reason?: unknown; code?: unknown };
    if (named.name === 'TimeoutError' || named.reason === 'Timeout' || named.code === 'Timeout') {
      return 'Timeout';
    }
  }
  return 'Canceled';
}
