/**
 * The meaning of a `RunCommit`, as pure functions. Stores carry it out atomically (MemoryStore calls
 * `evaluateRunCommit` directly; PostgreSQL guards the same checks in SQL) and the engine replays it on
 * its cached snapshot, so both agree on what a commit did.
 */
import type { AttemptChange, RunChange, RunCommit } from '../ports/store.js';
import type { AttemptRecord, RunRecord, RunSnapshot } from './records.js';

/** What a commit that passed its checks writes. */
export interface CommitEffects {
  /** The run after the commit, with `revision` incremented. */
  readonly run: RunRecord;
  /** Existing attempts after their changes, once each, in the order first changed. */
  readonly changed: readonly AttemptRecord[];
  /** New attempts, as given. */
  readonly added: readonly AttemptRecord[];
}

/**
 * Checks `commit` against the current run and attempts and computes what it writes, or `'conflict'` when
 * any check fails: the run is not at `expectRevision`; an attempt change names an attempt that does not
 * exist or belongs to another run, is not in `expectState`, or is not leased to `expectOwner`; or a new
 * attempt reuses an existing id or names another run. Changes to the same attempt apply in order, each checked against the
 * result of the one before (as sequential guarded UPDATEs would be).
 *
 * @param findAttempt looks up any attempt by id (of any run, so that id reuse is caught).
 */
export function evaluateRunCommit(
  run: RunRecord,
  findAttempt: (id: string) => AttemptRecord | undefined,
  commit: RunCommit,
): CommitEffects | 'conflict' {
  if (commit.runId !== run.id || commit.expectRevision !== run.revision) return 'conflict';
  const changed = new Map<string, AttemptRecord>();
  for (const change of commit.attempts ?? []) {
    const current = changed.get(change.id) ?? findAttempt(change.id);
    if (current === undefined || current.runId !== run.id || !meetsExpectations(current, change)) {
      return 'conflict';
    }
    changed.set(change.id, withDefined<AttemptRecord>(current, change.set));
  }
  const added = commit.newAttempts ?? [];
  const addedIds = new Set<string>();
  for (const attempt of added) {
    const reused =
      addedIds.has(attempt.id) || changed.has(attempt.id) || findAttempt(attempt.id) !== undefined;
    if (reused || attempt.runId !== run.id) {
      return 'conflict';
    }
    addedIds.add(attempt.id);
  }
  return {
    run: applyRunChange(run, commit.run),
    changed: [...changed.values()],
    added,
  };
}

/**
 * Applies `commit` to `snapshot` and returns the snapshot after it, or `'conflict'` when the store would
 * refuse it (see `evaluateRunCommit`). The input is never mutated; unchanged attempts are shared.
 * New attempts are appended after the existing ones.
 */
export function applyRunCommit(snapshot: RunSnapshot, commit: RunCommit): RunSnapshot | 'conflict' {
  const byId = new Map(snapshot.attempts.map((attempt) => [attempt.id, attempt]));
  const effects = evaluateRunCommit(snapshot.run, (id) => byId.get(id), commit);
  if (effects === 'conflict') return 'conflict';
  const changedById = new Map(effects.changed.map((attempt) => [attempt.id, attempt]));
  return {
    run: effects.run,
    attempts: [
      ...snapshot.attempts.map((attempt) => changedById.get(attempt.id) ?? attempt),
      ...effects.added,
    ],
  };
}

function meetsExpectations(attempt: AttemptRecord, change: AttemptChange): boolean {
  if (attempt.state !== change.expectState) return false;
  return change.expectOwner === undefined || attempt.leaseOwner === change.expectOwner;
}

function applyRunChange(run: RunRecord, change: RunChange | undefined): RunRecord {
  // The increment comes last so that a stray `revision` in the change can never win over it.
  return { ...withDefined<RunRecord>(run, change), revision: run.revision + 1 };
}

/**
 * `{...base, ...patch}` without the keys whose value is `undefined`: an optional field left undefined
 * means "unchanged", as it would in an UPDATE built from the defined fields only.
 */
function withDefined<T extends object>(base: T, patch: Readonly<Partial<T>> | undefined): T {
  if (patch === undefined) return base;
  const result = { ...base } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) result[key] = value;
  }
  return result as T;
}
