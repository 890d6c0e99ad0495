/**
 * Task-level actions, decided purely (docs/task-actions.md): rerun one task of a run, with or without
 * everything downstream of it (Airflow's clear, Argo's retry of a node), and mark a task succeeded or
 * failed without executing it. Each returns the one guarded `RunCommit` that records it; the run service
 * writes it through `writeRun` and then plans the run, so the planner carries on from the new state.
 *
 * Both open a new round of the run (as retry-from-failed does): a finished run goes back to `running`,
 * rerun tasks get a fresh retry budget, and the exit handlers run again once the main tasks have ended.
 * Attempts are never rewritten: a rerun adds attempts, a mark settles a `waiting` attempt or adds a
 * settled one, so the history of older attempts stays as it was.
 *
 * Refused (`TASK_ACTION_REFUSED`): a pending run or one being canceled, and any action that would touch a
 * task whose attempt is ready, retrying or running (or whose forEach instances are), or that is taken
 * while exit handlers run. Stopping a running attempt first would need the API to reach the worker that
 * runs it; the caller cancels the run or waits instead.
 */
import type { CompiledDag } from '../dag/compiled.js';
import { Errors, type KontrolerError, type TaskActionRefusal } from '../errors/kontroler-error.js';
import type { AttemptRecord, RunSnapshot } from '../model/records.js';
import {
  ACTIVE_ATTEMPT_STATES,
  TERMINAL_RUN_STATES,
  transitionAttempt,
  transitionRun,
} from '../model/states.js';
import type { AttemptChange, RunChange, RunCommit } from '../ports/store.js';
import { indexAttempts, type TaskAttempts } from './attempt-index.js';
import { newAttempt } from './commit.js';
import { parseInstance } from './instances.js';
import { MARKED_FAILED_REASON, MARKED_SUCCEEDED_REASON, RERUN_REASON } from './task-action-reasons.js';

export interface TaskRerunRequest {
  readonly task: string;
  /** Rerun every task downstream of it too. @default false */
  readonly downstream?: boolean;
}

export interface TaskMarkRequest {
  readonly task: string;
  readonly state: 'succeeded' | 'failed';
  /** Why, for humans: becomes the attempt's message. @default "marked <state> by hand" */
  readonly message?: string;
}

export type TaskActionPlan =
  | {
      readonly ok: true;
      readonly commit: RunCommit;
      /** The attempts the action created or settled, the target task's first. */
      readonly attempts: readonly AttemptRecord[];
    }
  | { readonly ok: false; readonly error: KontrolerError<'TASK_NOT_FOUND' | 'TASK_ACTION_REFUSED'> };

type Action = 'rerun' | 'mark';

/** What both actions read from the snapshot. */
interface Context {
  readonly dag: CompiledDag;
  readonly snapshot: RunSnapshot;
  readonly index: Map<string, TaskAttempts>;
  /** forEach instance attempts (latest per instance name), per task. */
  readonly instances: Map<string, AttemptRecord[]>;
}

function contextOf(dag: CompiledDag, snapshot: RunSnapshot): Context {
  const index = indexAttempts(snapshot);
  const instances = new Map<string, AttemptRecord[]>();
  for (const [name, { latest }] of index) {
    const instance = parseInstance(name);
    if (instance === null || !dag.tasks.has(instance.task)) continue;
    const list = instances.get(instance.task) ?? [];
    list.push(latest);
    instances.set(instance.task, list);
  }
  return { dag, snapshot, index, instances };
}

const refused = (
  ctx: Context,
  task: string,
  action: Action,
  why: TaskActionRefusal,
  message: string,
): TaskActionPlan => ({
  ok: false,
  error: Errors.taskActionRefused(ctx.snapshot.run.id, task, action, why, message),
});

/** The refusal that holds for the run and the task whatever the action does, or null. */
function checkRunAndTask(ctx: Context, task: string, action: Action): TaskActionPlan | null {
  const { run } = ctx.snapshot;
  if (run.state === 'pending') {
    return refused(ctx, task, action, 'run-pending', `run ${run.id} has not started yet`);
  }
  if (run.cancelRequested && !TERMINAL_RUN_STATES.has(run.state)) {
    return refused(ctx, task, action, 'run-canceling', `run ${run.id} is being canceled`);
  }
  if (!ctx.dag.tasks.has(task)) {
    if (ctx.dag.onExit?.has(task) === true) {
      return refused(
        ctx,
        task,
        action,
        'exit-handler',
        `"${task}" is an exit handler: exit handlers run again by themselves after every task action`,
      );
    }
    return { ok: false, error: Errors.taskNotFound(run.id, task) };
  }
  for (const name of ctx.dag.exitOrder ?? []) {
    const latest = ctx.index.get(name)?.latest;
    if (latest !== undefined && ACTIVE_ATTEMPT_STATES.has(latest.state)) {
      return refused(
        ctx,
        task,
        action,
        'active',
        `exit handler ${name} is ${latest.state}; wait for it to end`,
      );
    }
  }
  return null;
}

/** The refusal when `task` or one of its forEach instances is ready, retrying or running, or null. */
function checkIdle(ctx: Context, task: string, target: string, action: Action): TaskActionPlan | null {
  const latest = ctx.index.get(task)?.latest;
  const busy = [latest, ...(ctx.instances.get(task) ?? [])].find(
    (a) => a !== undefined && ACTIVE_ATTEMPT_STATES.has(a.state),
  );
  if (busy === undefined) return null;
  const who = busy.taskName === target ? `task ${target}` : `task ${busy.taskName} (downstream of ${target})`;
  return refused(
    ctx,
    target,
    action,
    'active',
    `${who} is ${busy.state}: a task that is running or about to run cannot be ${action === 'rerun' ? 'rerun' : 'marked'}; cancel the run or wait for it to end`,
  );
}

/** Every task below `task` (its children, their children…), in topological order. */
function descendants(dag: CompiledDag, task: string): string[] {
  const below = new Set<string>();
  for (const name of dag.order) {
    const t = dag.tasks.get(name);
    if (t !== undefined && t.runAfter.some((parent) => parent === task || below.has(parent))) below.add(name);
  }
  return dag.order.filter((name) => below.has(name));
}

/** The run change that opens the next round, reopening a finished run. */
function nextRound(snapshot: RunSnapshot): RunChange {
  const { run } = snapshot;
  const reopen = TERMINAL_RUN_STATES.has(run.state);
  return {
    ...(reopen
      ? {
          state: transitionRun(run.state, 'running'),
          finishedAt: null,
          reason: null,
          cancelRequested: false,
        }
      : {}),
    round: run.round + 1,
  };
}

/** A fresh `waiting` attempt of `task` in the next round, marked as a rerun. */
function rerunAttempt(ctx: Context, task: string, now: number, newId: () => string): AttemptRecord {
  const run = ctx.snapshot.run;
  return {
    ...newAttempt({
      id: newId(),
      runId: run.id,
      taskName: task,
      attempt: (ctx.index.get(task)?.latest.attempt ?? 0) + 1,
      round: run.round + 1,
      state: 'waiting',
      createdAt: now,
    }),
    reason: RERUN_REASON,
  };
}

/**
 * Reruns `task`: a new `waiting` attempt for it and, with `downstream`, for every task below it whose
 * latest attempt has ended (one still waiting simply waits for the new attempt above it). forEach tasks
 * among them run every instance again; exit handlers run again at the end of the round.
 */
export function planTaskRerun(
  dag: CompiledDag,
  snapshot: RunSnapshot,
  request: TaskRerunRequest,
  now: number,
  newId: () => string,
): TaskActionPlan {
  const ctx = contextOf(dag, snapshot);
  const { task } = request;
  const early = checkRunAndTask(ctx, task, 'rerun');
  if (early !== null) return early;
  const latest = ctx.index.get(task)?.latest;
  if (latest === undefined || latest.state === 'waiting') {
    return refused(ctx, task, 'rerun', 'not-started', `task ${task} has not run yet`);
  }
  const below = request.downstream === true ? descendants(dag, task) : [];
  for (const name of [task, ...below]) {
    const busy = checkIdle(ctx, name, task, 'rerun');
    if (busy !== null) return busy;
  }
  const attempts = [task, ...below]
    .filter((name) => ctx.index.get(name)?.latest.state !== 'waiting')
    .map((name) => rerunAttempt(ctx, name, now, newId));
  return {
    ok: true,
    commit: {
      runId: snapshot.run.id,
      expectRevision: snapshot.run.revision,
      run: nextRound(snapshot),
      newAttempts: attempts,
    },
    attempts,
  };
}

/**
 * Marks `task` succeeded or failed without executing it: its `waiting` attempt is settled, or a new
 * attempt is recorded already settled (as a waiting one would be), with reason `MarkedSucceeded` or
 * `MarkedFailed`; a marked failure is never retried. Every task below it that was skipped gets a fresh
 * `waiting` attempt, so the planner decides it again from the new outcome: after a mark succeeded it
 * runs when its other upstreams allow it, after a mark failed it is skipped again. Tasks below that
 * have not run yet follow by themselves (they run, or are skipped as `UpstreamFailed`).
 */
export function planTaskMark(
  dag: CompiledDag,
  snapshot: RunSnapshot,
  request: TaskMarkRequest,
  now: number,
  newId: () => string,
): TaskActionPlan {
  const ctx = contextOf(dag, snapshot);
  const { task, state } = request;
  const early = checkRunAndTask(ctx, task, 'mark');
  if (early !== null) return early;
  const busy = checkIdle(ctx, task, task, 'mark');
  if (busy !== null) return busy;
  const latest = ctx.index.get(task)?.latest;
  if (latest?.state === state) {
    return refused(ctx, task, 'mark', 'unchanged', `task ${task} has already ${state}`);
  }
  const run = snapshot.run;
  const settled = {
    state: transitionAttempt('waiting', state),
    reason: state === 'succeeded' ? MARKED_SUCCEEDED_REASON : MARKED_FAILED_REASON,
    message: request.message ?? `marked ${state} by hand`,
    exitCode: null,
    finishedAt: now,
    nonRetryable: state === 'failed',
    failureKind: null,
  } as const;
  const changes: AttemptChange[] = [];
  const added: AttemptRecord[] = [];
  let marked: AttemptRecord;
  if (latest !== undefined && latest.state === 'waiting') {
    changes.push({ id: latest.id, expectState: 'waiting', set: settled });
    marked = { ...latest, ...settled };
  } else {
    marked = {
      ...newAttempt({
        id: newId(),
        runId: run.id,
        taskName: task,
        attempt: (latest?.attempt ?? 0) + 1,
        round: run.round + 1,
        state: 'waiting',
        createdAt: now,
      }),
      ...settled,
    };
    added.push(marked);
  }
  for (const name of descendants(dag, task)) {
    if (ctx.index.get(name)?.latest.state === 'skipped') {
      added.push({ ...rerunAttempt(ctx, name, now, newId), reason: null });
    }
  }
  return {
    ok: true,
    commit: {
      runId: run.id,
      expectRevision: run.revision,
      run: nextRound(snapshot),
      ...(changes.length > 0 ? { attempts: changes } : {}),
      ...(added.length > 0 ? { newAttempts: added } : {}),
    },
    attempts: changes.length > 0 ? [marked, ...added] : added,
  };
}
