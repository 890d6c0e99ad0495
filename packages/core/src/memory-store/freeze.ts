/**
 * The memory store keeps frozen copies of what callers hand it and hands out the same frozen objects:
 * callers can read them for free and can never change the store's state through them. Nested JSON
 * (specs, payloads) goes through `frozenCopy` from `dag/freeze.ts`.
 *
 * A record that is already frozen all the way down cannot be changed by anyone, so it is kept as it is:
 * the engine hands back the store's own records (and freezes the ones it derives from them), and copying
 * each of them again on every commit and journal row was a large part of a commit's cost.
 */
import type { AttemptRecord, RunRecord } from '../model/records.js';

function frozenDeep(run: RunRecord): boolean {
  if (!Object.isFrozen(run) || !Object.isFrozen(run.labels) || !Object.isFrozen(run.parameters)) return false;
  for (const name in run.parameters) if (!Object.isFrozen(run.parameters[name])) return false;
  return true;
}

export function frozenRun(run: RunRecord): RunRecord {
  if (frozenDeep(run)) return run;
  const parameters: RunRecord['parameters'] = Object.freeze(
    Object.fromEntries(
      Object.entries(run.parameters).map(([name, value]) => [name, Object.freeze({ ...value })]),
    ),
  );
  return Object.freeze({ ...run, parameters, labels: Object.freeze({ ...run.labels }) });
}

/** Attempts are flat records, so a shallow copy is a full one. */
export function frozenAttempt(attempt: AttemptRecord): AttemptRecord {
  return Object.isFrozen(attempt) ? attempt : Object.freeze({ ...attempt });
}
