/**
 * Run and attempt state machines as data. `transition()` refuses any move not listed; the stores guard the
 * same moves in their writes (expected current state), and a test walks every pair.
 */
import { Errors } from '../errors/kontroler-error.js';

export const RUN_STATES = ['queued', 'pending', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type RunState = (typeof RUN_STATES)[number];

export const ATTEMPT_STATES = [
  'waiting',
  'ready',
  'running',
  'succeeded',
  'failed',
  'retrying',
  'skipped',
  'canceled',
  // An approval task waiting for a person (docs/approval.md); appended so earlier indexes keep their meaning.
  'awaiting',
] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

/**
 * Allowed run moves. `failed|canceled → running` is retry-from-failed, or a task rerun or mark in a
 * finished run (docs/task-actions.md), which is also what `succeeded → running` is for. A run over its DAG's
 * or namespace's limit is created `queued` and waits there until the store admits it (`queued → pending`,
 * see `LimitStore.admitQueuedRuns`) or it is canceled; a finished run reopened under limits moves
 * `→ queued` instead of `→ running`.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunState, readonly RunState[]>> = {
  queued: ['pending', 'canceled'],
  // A run whose first plan ends every task (all skipped by their conditions) starts and finishes in one
  // commit: `pending → succeeded` or `→ failed`.
  pending: ['running', 'canceled', 'failed', 'succeeded'],
  running: ['succeeded', 'failed', 'canceled'],
  // A task rerun or mark reopens a succeeded run: it runs again and finishes with a new outcome. Under run
  // limits a reopened run goes back through admission: `queued`, as a new run would be.
  succeeded: ['running', 'queued'],
  failed: ['running', 'queued'],
  canceled: ['running', 'queued'],
};

/**
 * Allowed attempt moves. A retry is a new attempt row that starts in `retrying` and becomes claimable
 * (→ `running`) once its backoff has passed; `running → running` is a reclaim after a lost lease.
 */
export const ATTEMPT_TRANSITIONS: Readonly<Record<AttemptState, readonly AttemptState[]>> = {
  // waiting → failed: a condition or forEach list that cannot be evaluated; waiting → succeeded | failed: a
  // forEach task settles once its instances have ended (docs/flow/for-each.md).
  waiting: ['ready', 'skipped', 'canceled', 'failed', 'succeeded', 'awaiting'],
  ready: ['running', 'canceled'],
  retrying: ['ready', 'running', 'canceled'],
  running: ['running', 'succeeded', 'failed', 'canceled'],
  succeeded: [],
  failed: [],
  skipped: [],
  canceled: [],
  // awaiting → succeeded | failed: approved or rejected (run service); → running: its timeout passed and a
  // worker claims it to record the timeout's outcome; → canceled: the run was canceled or passed its deadline.
  awaiting: ['succeeded', 'failed', 'running', 'canceled'],
};

export const TERMINAL_RUN_STATES: ReadonlySet<RunState> = new Set(['succeeded', 'failed', 'canceled']);
export const TERMINAL_ATTEMPT_STATES: ReadonlySet<AttemptState> = new Set([
  'succeeded',
  'failed',
  'skipped',
  'canceled',
]);
/** Runs that hold one of their DAG's and namespace's slots (docs/run-limits.md). */
export const SLOT_RUN_STATES: ReadonlySet<RunState> = new Set(['pending', 'running']);
/** Attempts a worker may be executing or about to execute. */
export const ACTIVE_ATTEMPT_STATES: ReadonlySet<AttemptState> = new Set(['ready', 'running', 'retrying']);

export function canTransition<S extends string>(
  table: Readonly<Record<S, readonly S[]>>,
  from: S,
  to: S,
): boolean {
  return table[from].includes(to);
}

/** The run states from which the table allows a move to `to` (what a guarded UPDATE may start from). */
export function runStatesBefore(to: RunState): RunState[] {
  return RUN_STATES.filter((from) => canTransition(RUN_TRANSITIONS, from, to));
}

/** Returns `to` when the move is allowed, else throws `INVALID_TRANSITION`. */
export function transitionRun(from: RunState, to: RunState): RunState {
  if (!canTransition(RUN_TRANSITIONS, from, to)) throw Errors.invalidTransition('run', from, to);
  return to;
}

/** Returns `to` when the move is allowed, else throws `INVALID_TRANSITION`. */
export function transitionAttempt(from: AttemptState, to: AttemptState): AttemptState {
  if (!canTransition(ATTEMPT_TRANSITIONS, from, to)) throw Errors.invalidTransition('attempt', from, to);
  return to;
}
