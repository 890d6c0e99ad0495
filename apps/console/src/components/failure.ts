import type { Attempt } from '../api';

/** An attempt that ended without success and says why (a failed or canceled attempt with a reason or message). */
export function explainsFailure(attempt: Attempt): boolean {
  return (
    (attempt.state === 'failed' || attempt.state === 'canceled') && Boolean(attempt.message || attempt.reason)
  );
}

/**
 * Whose failure the run view explains: the selected attempt when it failed, else the first failed
 * attempt in `attempts` (the run view passes them in task order), else none.
 */
export function failureToShow(attempts: readonly Attempt[], selectedId: string | null): Attempt | null {
  const selected = attempts.find((a) => a.id === selectedId);
  if (selected && explainsFailure(selected)) return selected;
  return attempts.find((a) => a.state === 'failed' && explainsFailure(a)) ?? null;
}
