/**
 * Retry-from-failed, decided purely: which tasks a new round reruns and which succeeded tasks it keeps,
 * optionally on a newer DAG version.
 */
import type { CompiledDag } from '../dag/compiled.js';
import { Errors, type KontrolerError } from '../errors/kontroler-error.js';
import type { AttemptRecord, RunSnapshot } from '../model/records.js';
import type { RunCommit } from '../ports/store.js';
import { indexAttempts } from './attempt-index.js';
import { newAttempt } from './commit.js';

export interface RetryRound {
  readonly ok: true;
  /** The new round number. */
  readonly round: number;
  /** Tasks that get a fresh `waiting` attempt, in topological order of the target DAG. */
  readonly rerun: readonly string[];
  /** Succeeded tasks whose results the new round keeps. */
  readonly kept: readonly string[];
}

export type RetryPlan =
  RetryRound | { readonly ok: false; readonly error: KontrolerError<'VERSION_INCOMPATIBLE'> };

export interface RetryFromFailedOptions {
  /** Keep succeeded tasks (true) or rerun every task (false). @default true */
  readonly fromFailed?: boolean;
}

/**
 * Reruns every task of the target DAG (`newDag` or `dag`) whose latest attempt did not succeed (failed,
 * skipped, canceled, or new in that version), and every descendant of one, so no kept task ever sits below
 * a rerun one. A succeeded task missing from the new version makes the move incompatible.
 */
export function planRetryFromFailed(
  dag: CompiledDag,
  snapshot: RunSnapshot,
  newDag?: CompiledDag,
  options?: RetryFromFailedOptions,
): RetryPlan {
  const target = newDag ?? dag;
  const index = indexAttempts(snapshot);
  const succeeded = new Set<string>();
  // Only main tasks: forEach instances (`task[i]`) follow their task's own attempt (the planner reruns the
  // instances that did not succeed), and exit handlers run again at the end of every round.
  for (const [task, { latest }] of index) {
    if (latest.state === 'succeeded' && dag.tasks.has(task)) succeeded.add(task);
  }

  const missing = [...succeeded].filter((task) => !target.tasks.has(task)).sort();
  if (missing.length > 0) return { ok: false, error: Errors.versionIncompatible(snapshot.run.id, missing) };

  const fromFailed = options?.fromFailed ?? true;
  const rerunSet = new Set<string>();
  for (const name of target.order) {
    const task = target.tasks.get(name);
    const parentRerun = task?.runAfter.some((parent) => rerunSet.has(parent)) ?? false;
    if (!fromFailed || !succeeded.has(name) || parentRerun) rerunSet.add(name);
  }
  const rerun = target.order.filter((name) => rerunSet.has(name));
  const kept = target.order.filter((name) => !rerunSet.has(name));
  return { ok: true, round: snapshot.run.round + 1, rerun, kept };
}

/** The commit that opens the round: run back to `running`, a `waiting` attempt per rerun task. */
export function retryRoundCommit(
  snapshot: RunSnapshot,
  round: RetryRound,
  dagVersion: number,
  now: number,
  newId: () => string,
): RunCommit {
  const index = indexAttempts(snapshot);
  const newAttempts: AttemptRecord[] = round.rerun.map((taskName) =>
    newAttempt({
      id: newId(),
      runId: snapshot.run.id,
      taskName,
      attempt: (index.get(taskName)?.latest.attempt ?? 0) + 1,
      round: round.round,
      state: 'waiting',
      createdAt: now,
    }),
  );
  return {
    runId: snapshot.run.id,
    expectRevision: snapshot.run.revision,
    run: {
      state: 'running',
      round: round.round,
      dagVersion,
      finishedAt: null,
      reason: null,
      cancelRequested: false,
    },
    newAttempts,
  };
}
