/**
 * The memory store keeps frozen copies of what callers hand it and hands out the same frozen objects:
 * callers can read them for free and can never change the store's state through them. Nested JSON
 * (specs, payloads) goes through `frozenCopy` from `dag/freeze.ts`.
 *
 * A record that is already frozen all the way down cannot be changed by anyone, so it is kept as it is:
 * the engine hands back the store's own records (and freezes the ones it derives from them), and copying
 * each of them again on every commit and journal row was a large part of a commit's cost.
 */
import { copyAttempt, copyRun } from '../model/record-copy.js';
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
  const copy = copyRun(run);
  copy.parameters = parameters;
  copy.labels = Object.freeze({ ...run.labels });
  return Object.freeze(copy);
}

/** Attempts are flat records, so a shallow copy is a full one (built by `copyAttempt`, see record-copy.ts). */
export function frozenAttempt(attempt: AttemptRecord): AttemptRecord {
  return Object.isFrozen(attempt) ? attempt : Object.freeze(copyAttempt(attempt));
}

/** A frozen copy of `attempt` with `patch` applied (the memory store's own row updates). */
export function patchedAttempt(attempt: AttemptRecord, patch: Partial<AttemptRecord>): AttemptRecord {
  const copy = copyAttempt(attempt);
  Object.assign(copy, patch);
  return Object.freeze(copy);
}
