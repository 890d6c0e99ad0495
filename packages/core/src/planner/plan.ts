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
import { indexAttempts, type TaskAttempts } from './attempt-index.js';
import { retryDelay } from './backoff.js';
import { DEFAULT_RETRY_TIMING, type Decision, type PlanResult, type RetryTiming } from './decisions.js';

export interface PlanOptions {
  /** Backoff between retries. @default DEFAULT_RETRY_TIMING */
  readonly timing?: RetryTiming;
}

/** Where a task stands once this plan's decisions are applied. */
type TaskStatus = 'succeeded' | 'dead' | 'active' | 'blocked';

interface Failure {
  readonly task: string;
  readonly attempt: AttemptRecord;
  readonly attempts: number;
}

const NOTHING: PlanResult = Object.freeze({ decisions: Object.freeze([]), wakeAt: null });

export function plan(dag: CompiledDag, state: RunSnapshot, now: number, options?: PlanOptions): PlanResult {
  const { run } = state;
  if (TERMINAL_RUN_STATES.has(run.state)) return NOTHING;
  const index = indexAttempts(state);
  return run.cancelRequested
    ? planCancel(dag, index)
    : planProgress(dag, index, run.state === 'pending', now, options?.timing ?? DEFAULT_RETRY_TIMING);
}

function planCancel(dag: CompiledDag, index: ReadonlyMap<string, TaskAttempts>): PlanResult {
  const decisions: Decision[] = [];
  let running = 0;
  for (const name of dag.order) {
    const latest = index.get(name)?.latest;
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

function planProgress(
  dag: CompiledDag,
  index: ReadonlyMap<string, TaskAttempts>,
  pending: boolean,
  now: number,
  timing: RetryTiming,
): PlanResult {
  const decisions: Decision[] = pending ? [{ kind: 'start-run' }] : [];
  const status = new Map<string, TaskStatus>();
  /** For dead tasks: the task that failed for good and caused it (itself when it failed). */
  const cause = new Map<string, string>();
  const failures: Failure[] = [];
  let wakeAt: number | null = null;
  let unfinished = 0;

  for (const name of dag.order) {
    const task = dag.tasks.get(name);
    const entry = index.get(name);
    if (task === undefined || entry === undefined) {
      // Every task gets an attempt when a run or round is created; without one it can only wait.
      status.set(name, 'blocked');
      unfinished++;
      continue;
    }
    const latest = entry.latest;
    let taskStatus: TaskStatus;
    switch (latest.state) {
      case 'succeeded':
        taskStatus = 'succeeded';
        break;
      case 'ready':
      case 'retrying':
        taskStatus = 'active';
        break;
      case 'running': {
        taskStatus = 'active';
        const deadline = deadlineOf(task, latest);
        if (deadline !== null) {
          if (deadline <= now) {
            decisions.push({ kind: 'abort', attemptId: latest.id, task: name, reason: 'Timeout' });
          } else if (wakeAt === null || deadline < wakeAt) wakeAt = deadline;
        }
        break;
      }
      case 'waiting': {
        const parents = parentsOutcome(task, status, cause);
        if (parents.dead !== null) {
          decisions.push({ kind: 'skip', attemptId: latest.id, task: name, because: parents.dead });
          cause.set(name, parents.dead);
          taskStatus = 'dead';
        } else if (parents.allSucceeded) {
          decisions.push({ kind: 'ready', attemptId: latest.id, task: name });
          taskStatus = 'active';
        } else taskStatus = 'blocked';
        break;
      }
      case 'failed':
        if (mayRetry(task, latest, entry.inRound)) {
          const delay = retryDelay(timing, entry.inRound, latest.id);
          decisions.push({
            kind: 'retry',
            task: name,
            failedAttemptId: latest.id,
            attempt: latest.attempt + 1,
            retryAt: now + Math.max(delay, latest.retryAfterMs ?? 0),
          });
          taskStatus = 'active';
        } else {
          failures.push({ task: name, attempt: latest, attempts: entry.inRound });
          cause.set(name, name);
          taskStatus = 'dead';
        }
        break;
      case 'canceled':
        // Canceled without a cancel request (a runtime gave up on it): it ends the task like a failure.
        failures.push({ task: name, attempt: latest, attempts: entry.inRound });
        cause.set(name, name);
        taskStatus = 'dead';
        break;
      case 'skipped':
        cause.set(name, firstDeadParent(task, status, cause) ?? name);
        taskStatus = 'dead';
        break;
    }
    status.set(name, taskStatus);
    if (taskStatus === 'active' || taskStatus === 'blocked') unfinished++;
  }

  if (unfinished === 0) {
    decisions.push(
      failures.length > 0 || [...status.values()].includes('dead')
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

/** Whether a failed attempt gets another: within the round's limit, allowed code, not marked final. */
function mayRetry(task: CompiledTask, failed: AttemptRecord, attemptsInRound: number): boolean {
  if (failed.nonRetryable || attemptsInRound > task.backoffLimit) return false;
  if (task.retryCodes === null) return true;
  return failed.exitCode !== null && task.retryCodes.has(failed.exitCode);
}

function parentsOutcome(
  task: CompiledTask,
  status: ReadonlyMap<string, TaskStatus>,
  cause: ReadonlyMap<string, string>,
): { dead: string | null; allSucceeded: boolean } {
  let allSucceeded = true;
  for (const parent of task.runAfter) {
    const parentStatus = status.get(parent);
    if (parentStatus === 'dead') return { dead: cause.get(parent) ?? parent, allSucceeded: false };
    if (parentStatus !== 'succeeded') allSucceeded = false;
  }
  return { dead: null, allSucceeded };
}

function firstDeadParent(
  task: CompiledTask,
  status: ReadonlyMap<string, TaskStatus>,
  cause: ReadonlyMap<string, string>,
): string | null {
  for (const parent of task.runAfter) {
    if (status.get(parent) === 'dead') return cause.get(parent) ?? parent;
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
      : attempt.exitCode !== null
        ? `failed with exit code ${attempt.exitCode}`
        : `failed (${attempt.reason ?? 'Error'})`;
  const others = failures.length - 1;
  const rest = others > 0 ? ` (and ${plural(others, 'other task')} failed)` : '';
  return `task ${first.task} ${how} after ${plural(first.attempts, 'attempt')}${rest}`;
}
