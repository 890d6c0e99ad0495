/**
 * The memory store keeps frozen copies of what callers hand it and hands out the same frozen objects:
 * callers can read them for free and can never change the store's state through them. Nested JSON
 * (specs, payloads) goes through `frozenCopy` from `dag/freeze.ts`.
 */
import type { AttemptRecord, RunRecord } from '../model/records.js';

export function frozenRun(run: RunRecord): RunRecord {
  const parameters: RunRecord['parameters'] = Object.freeze(
    Object.fromEntries(
      Object.entries(run.parameters).map(([name, value]) => [name, Object.freeze({ ...value })]),
    ),
  );
  return Object.freeze({ ...run, parameters, labels: Object.freeze({ ...run.labels }) });
}

/** Attempts are flat records, so a shallow copy is a full one. */
export function frozenAttempt(attempt: AttemptRecord): AttemptRecord {
  return Object.freeze({ ...attempt });
}
