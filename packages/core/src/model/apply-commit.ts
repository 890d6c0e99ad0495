/**
 * The meaning of a `RunCommit`, as pure functions. Stores carry it out atomically (MemoryStore calls
 * `evaluateRunCommit` directly; PostgreSQL guards the same checks in SQL) and the engine replays it on
 * its cached snapshot, so both agree on what a commit did. Every state change a commit makes is checked
 * against the transition tables here: an illegal one is refused with `INVALID_TRANSITION`, never written.
 */
import { Errors } from '../errors/kontroler-error.js';
import type { AttemptChange, RunChange, RunCommit } from '../ports/store.js';
import { attemptIn, attemptPosition, derivePositions } from './attempt-positions.js';
import { assignDefined, copyAttempt, copyRun } from './record-copy.js';
import type { AttemptRecord, RunRecord, RunSnapshot } from './records.js';
import { ATTEMPT_TRANSITIONS, RUN_TRANSITIONS, canTransition, type RunState } from './states.js';

/** What a commit that passed its checks writes (the records it derives are frozen, as stores keep them). */
export interface CommitEffects {
  /** The run after the commit, with `revision` incremented. */
  readonly run: RunRecord;
  /** Existing attempts after their changes, once each, in the order first changed. */
  readonly changed: readonly AttemptRecord[];
  /** New attempts, as given. */
  readonly added: readonly AttemptRecord[];
}

/**
 * Throws `INVALID_TRANSITION` for the first attempt change whose move (`expectState → set.state`) the
 * attempt table does not allow. The move is known from the commit alone, because the change only applies
 * to an attempt in `expectState`; so stores check it before they look at any row.
 */
export function assertAttemptMoves(commit: RunCommit): void {
  for (const change of commit.attempts ?? []) {
    const to = change.set.state;
    if (to !== undefined && !canTransition(ATTEMPT_TRANSITIONS, change.expectState, to)) {
      throw Errors.invalidTransition('attempt', change.expectState, to, change.id);
    }
  }
}

/**
 * Throws `INVALID_TRANSITION` when the commit moves the run from `from` (its state at `expectRevision`)
 * to a state the run table does not allow. Setting the state it already has is a move too, and only
 * allowed where the table lists it.
 */
export function assertRunMove(runId: string, from: RunState, change: RunChange | undefined): void {
  const to = change?.state;
  if (to !== undefined && !canTransition(RUN_TRANSITIONS, from, to)) {
    throw Errors.invalidTransition('run', from, to, runId);
  }
}

/**
 * Checks `commit` against the current run and attempts and computes what it writes, or `'conflict'` when
 * any check fails: the run is not at `expectRevision`; an attempt change names an attempt that does not
 * exist or belongs to another run, is not in `expectState`, or is not leased to `expectOwner`; or a new
 * attempt reuses an existing id or names another run. Changes to the same attempt apply in order, each
 * checked against the result of the one before (as sequential guarded UPDATEs would be).
 *
 * @throws KontrolerError `INVALID_TRANSITION` when an attempt change moves between states the attempt
 *   table does not connect (checked first, from the commit alone), or when the run is at `expectRevision`
 *   and the commit moves it to a state the run table does not allow from its current one.
 * @param findAttempt looks up any attempt by id (of any run, so that id reuse is caught).
 */
export function evaluateRunCommit(
  run: RunRecord,
  findAttempt: (id: string) => AttemptRecord | undefined,
  commit: RunCommit,
): CommitEffects | 'conflict' {
  assertAttemptMoves(commit);
  if (commit.runId !== run.id || commit.expectRevision !== run.revision) return 'conflict';
  assertRunMove(run.id, run.state, commit.run);
  const changed = new Map<string, AttemptRecord>();
  for (const change of commit.attempts ?? []) {
    const current = changed.get(change.id) ?? findAttempt(change.id);
    if (current === undefined || current.runId !== run.id || !meetsExpectations(current, change)) {
      return 'conflict';
    }
    const next = copyAttempt(current);
    assignDefined(next, change.set);
    changed.set(change.id, Object.freeze(next));
  }
  const added = commit.newAttempts ?? [];
  const addedIds = added.length === 0 ? undefined : new Set<string>();
  for (const attempt of added) {
    const reused =
      addedIds?.has(attempt.id) === true || changed.has(attempt.id) || findAttempt(attempt.id) !== undefined;
    if (reused || attempt.runId !== run.id) {
      return 'conflict';
    }
    addedIds?.add(attempt.id);
  }
  return {
    run: applyRunChange(run, commit.run),
    changed: [...changed.values()],
    added,
  };
}

/**
 * Applies `commit` to `snapshot` and returns the snapshot after it, or `'conflict'` when the store would
 * refuse it (see `evaluateRunCommit`, whose `INVALID_TRANSITION` it throws as well). The input is never mutated; unchanged attempts are shared.
 * New attempts are appended after the existing ones.
 */
export function applyRunCommit(snapshot: RunSnapshot, commit: RunCommit): RunSnapshot | 'conflict' {
  // Only the attempts the commit names are looked up, through the list's position index (see
  // attempt-positions.ts): a pass over every attempt of a large run for a commit that touches three of
  // them was most of the cost of a commit.
  const list = snapshot.attempts;
  const effects = evaluateRunCommit(snapshot.run, (id) => attemptIn(list, id), commit);
  if (effects === 'conflict') return 'conflict';
  const attempts = list.slice();
  for (const attempt of effects.changed) attempts[attemptPosition(list, attempt.id)] = attempt;
  for (const attempt of effects.added) attempts.push(attempt);
  derivePositions(list, attempts);
  return { run: effects.run, attempts };
}

function meetsExpectations(attempt: AttemptRecord, change: AttemptChange): boolean {
  if (attempt.state !== change.expectState) return false;
  return change.expectOwner === undefined || attempt.leaseOwner === change.expectOwner;
}

function applyRunChange(run: RunRecord, change: RunChange | undefined): RunRecord {
  const next = copyRun(run);
  assignDefined(next, change);
  // The increment comes last so that a stray `revision` in the change can never win over it.
  next.revision = run.revision + 1;
  return Object.freeze(next);
}
