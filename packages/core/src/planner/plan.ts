/**
 * The planner: `plan(dag, run, now) → decisions`. Pure: no clock reads, no I/O, and the only randomness is
 * the retry jitter seeded by the failed attempt's id. The engine carries the decisions out.
 *
 * One pass in topological order: each task's status is known before its children are looked at, so a
 * failure skips every waiting descendant in the same plan, and the run finishes in the plan that ends its
 * last task. Cost is O(tasks + attempts) per call.
 */
import type { CompiledDag, CompiledTask } from '../dag/compiled.js';
import type { AttemptRecord, RunSnapshot } from '../model/records.js';
import { TERMINAL_RUN_STATES } from '../model/states.js';
import { retryDelay } from './backoff.js';
import { mayRetry } from './retry-policy.js';
import { DEFAULT_RETRY_TIMING, type Decision, type PlanResult, type RetryTiming } from './decisions.js';

export interface PlanOptions {
  /** Backoff between retries. @default DEFAULT_RETRY_TIMING */
  readonly timing?: RetryTiming;
}

interface Failure {
  readonly task: string;
  readonly attempt: AttemptRecord;
  readonly attempts: number;
}

const NOTHING: PlanResult = Object.freeze({ decisions: Object.freeze([]), wakeAt: null });

/**
 * A compiled DAG's tasks by position in `dag.order`, with their parents' positions. The planner runs on
 * every commit, so it reads attempts and statuses from arrays by position instead of building
 * name-keyed Maps (one entry object per task) each time. Compiled DAGs are immutable: computed once.
 */
interface Layout {
  readonly position: ReadonlyMap<string, number>;
  readonly tasks: readonly (CompiledTask | undefined)[];
  /** Parent positions per position, in `runAfter` order (-1 for a parent not in the DAG). */
  readonly parents: readonly (readonly number[])[];
}

const layouts = new WeakMap<CompiledDag, Layout>();

function layoutOf(dag: CompiledDag): Layout {
  let layout = layouts.get(dag);
  if (layout !== undefined) return layout;
  const position = new Map<string, number>();
  for (let i = 0; i < dag.order.length; i++) position.set(dag.order[i] as string, i);
  const tasks: (CompiledTask | undefined)[] = [];
  const parents: number[][] = [];
  for (const name of dag.order) {
    const task = dag.tasks.get(name);
    tasks.push(task);
    parents.push((task?.runAfter ?? []).map((parent) => position.get(parent) ?? -1));
  }
  layout = { position, tasks, parents };
  layouts.set(dag, layout);
  return layout;
}

/** Per position: the latest attempt (highest number) and the attempts in the current round. */
interface Positioned {
  readonly latest: (AttemptRecord | undefined)[];
  readonly inRound: Int32Array;
}

function positionAttempts(layout: Layout, state: RunSnapshot): Positioned {
  const n = layout.tasks.length;
  const latest = new Array<AttemptRecord | undefined>(n).fill(undefined);
  const inRound = new Int32Array(n);
  const round = state.run.round;
  for (const attempt of state.attempts) {
    const i = layout.position.get(attempt.taskName);
    if (i === undefined) continue;
    if (attempt.round === round) inRound[i] = (inRound[i] as number) + 1;
    const current = latest[i];
    if (current === undefined || attempt.attempt > current.attempt) latest[i] = attempt;
  }
  return { latest, inRound };
}

export function plan(dag: CompiledDag, state: RunSnapshot, now: number, options?: PlanOptions): PlanResult {
  const { run } = state;
  if (TERMINAL_RUN_STATES.has(run.state)) return NOTHING;
  const layout = layoutOf(dag);
  const attempts = positionAttempts(layout, state);
  return run.cancelRequested
    ? planCancel(dag, attempts)
    : planProgress(
        dag,
        layout,
        attempts,
        run.state === 'pending',
        now,
        options?.timing ?? DEFAULT_RETRY_TIMING,
      );
}

function planCancel(dag: CompiledDag, attempts: Positioned): PlanResult {
  const decisions: Decision[] = [];
  let running = 0;
  for (let i = 0; i < dag.order.length; i++) {
    const name = dag.order[i] as string;
    const latest = attempts.latest[i];
    if (latest === undefined) continue;
    if (latest.state === 'running') {
      running++;
      decisions.push({ kind: 'abort', attemptId: latest.id, task: name, reason: 'Canceled' });
    } else if (latest.state === 'waiting' || latest.state === 'ready' || latest.state === 'retrying') {
      decisions.push({ kind: 'cancel', attemptId: latest.id, task: name });
    }
  }
  if (running === 0) decisions.push({ kind: 'finish-run', state: 'canceled', reason: 'canceled on request' });
  return { decisions, wakeAt: null };
}

// Task statuses by position, as small integers in a typed array.
const UNSEEN = 0;
const SUCCEEDED = 1;
const DEAD = 2;
const ACTIVE = 3;
const BLOCKED = 4;

function planProgress(
  dag: CompiledDag,
  layout: Layout,
  attempts: Positioned,
  pending: boolean,
  now: number,
  timing: RetryTiming,
): PlanResult {
  const decisions: Decision[] = pending ? [{ kind: 'start-run' }] : [];
  const n = layout.tasks.length;
  const status = new Uint8Array(n);
  /** For dead tasks: the task that failed for good and caused it (itself when it failed). */
  const cause = new Map<number, string>();
  const failures: Failure[] = [];
  let wakeAt: number | null = null;
  let unfinished = 0;
  let anyDead = false;

  for (let i = 0; i < n; i++) {
    const name = dag.order[i] as string;
    const task = layout.tasks[i];
    const latest = attempts.latest[i];
    if (task === undefined || latest === undefined) {
      // Every task gets an attempt when a run or round is created; without one it can only wait.
      status[i] = BLOCKED;
      unfinished++;
      continue;
    }
    const inRound = attempts.inRound[i] as number;
    let taskStatus: number;
    switch (latest.state) {
      case 'succeeded':
        taskStatus = SUCCEEDED;
        break;
      case 'ready':
      case 'retrying':
        taskStatus = ACTIVE;
        break;
      case 'running': {
        taskStatus = ACTIVE;
        const deadline = deadlineOf(task, latest);
        if (deadline !== null) {
          if (deadline <= now) {
            decisions.push({ kind: 'abort', attemptId: latest.id, task: name, reason: 'Timeout' });
          } else if (wakeAt === null || deadline < wakeAt) wakeAt = deadline;
        }
        break;
      }
      case 'waiting': {
        const parents = layout.parents[i] as readonly number[];
        const dead = firstDeadParent(parents, status, cause, task);
        if (dead !== null) {
          decisions.push({ kind: 'skip', attemptId: latest.id, task: name, because: dead });
          cause.set(i, dead);
          taskStatus = DEAD;
        } else if (allSucceeded(parents, status)) {
          decisions.push({ kind: 'ready', attemptId: latest.id, task: name });
          taskStatus = ACTIVE;
        } else taskStatus = BLOCKED;
        break;
      }
      case 'failed':
        if (mayRetry(task, latest, inRound)) {
          const delay = retryDelay(timing, inRound, latest.id);
          decisions.push({
            kind: 'retry',
            task: name,
            failedAttemptId: latest.id,
            attempt: latest.attempt + 1,
            retryAt: now + Math.max(delay, latest.retryAfterMs ?? 0),
          });
          taskStatus = ACTIVE;
        } else {
          failures.push({ task: name, attempt: latest, attempts: inRound });
          cause.set(i, name);
          taskStatus = DEAD;
        }
        break;
      case 'canceled':
        // Canceled without a cancel request (a runtime gave up on it): it ends the task like a failure.
        failures.push({ task: name, attempt: latest, attempts: inRound });
        cause.set(i, name);
        taskStatus = DEAD;
        break;
      case 'skipped':
        cause.set(i, firstDeadParent(layout.parents[i] as readonly number[], status, cause, task) ?? name);
        taskStatus = DEAD;
        break;
      default:
        taskStatus = UNSEEN;
    }
    status[i] = taskStatus;
    if (taskStatus === DEAD) anyDead = true;
    if (taskStatus === ACTIVE || taskStatus === BLOCKED) unfinished++;
  }

  if (unfinished === 0) {
    decisions.push(
      failures.length > 0 || anyDead
        ? { kind: 'finish-run', state: 'failed', reason: failureReason(failures) }
        : { kind: 'finish-run', state: 'succeeded', reason: `all ${dag.order.length} tasks succeeded` },
    );
  }
  return { decisions, wakeAt };
}

function deadlineOf(task: CompiledTask, attempt: AttemptRecord): number | null {
  if (task.timeoutSeconds === undefined || attempt.startedAt === null) return null;
  return attempt.startedAt + task.timeoutSeconds * 1000;
}

/** Whether every parent (by position) has succeeded; a parent outside the DAG never has. */
function allSucceeded(parents: readonly number[], status: Uint8Array): boolean {
  for (const p of parents) if (p < 0 || status[p] !== SUCCEEDED) return false;
  return true;
}

/** The cause of the first dead parent in `runAfter` order, or null. */
function firstDeadParent(
  parents: readonly number[],
  status: Uint8Array,
  cause: ReadonlyMap<number, string>,
  task: CompiledTask,
): string | null {
  for (let k = 0; k < parents.length; k++) {
    const p = parents[k] as number;
    if (p >= 0 && status[p] === DEAD) return cause.get(p) ?? (task.runAfter[k] as string);
  }
  return null;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "task load failed with exit code 3 after 4 attempts (and 1 other task failed)". */
export function failureReason(failures: readonly Failure[]): string {
  const first = failures[0];
  if (first === undefined) return 'upstream tasks failed';
  const { attempt } = first;
  const how =
    attempt.state === 'canceled'
      ? 'was canceled'
      : attempt.failureKind === 'start'
        ? `could not start (${attempt.message ?? attempt.reason ?? 'StartError'})`
        : attempt.exitCode !== null
          ? `failed with exit code ${attempt.exitCode}`
          : `failed (${attempt.reason ?? 'Error'})`;
  const others = failures.length - 1;
  const rest = others > 0 ? ` (and ${plural(others, 'other task')} failed)` : '';
  return `task ${first.task} ${how} after ${plural(first.attempts, 'attempt')}${rest}`;
}
