/**
 * `plan()` for the engine, which plans the same run again after every commit: a plan revisits only the tasks
 * whose attempts changed since the run's previous plan, the children of tasks whose status changed, and the
 * tasks that decided something or wait on the clock. The rest keep the status the previous plan gave them.
 * A full pass walks every task and attempt of the run: in a 10,000-task chain that was most of a step's CPU.
 *
 * The results are `plan()`'s, decision for decision (test/planner/run-planner.test.ts drives random runs
 * through both). What changed is found by comparing attempt records by identity with those the previous
 * plan saw, which holds because records are never modified in place (a change is a new record). A condition
 * sees the tasks before it in the order, built from their kept statuses when it is evaluated; a forEach
 * task's instances are kept grouped, and the task planned again whenever one of them changes. Whatever the
 * incremental pass does not cover goes to `plan()`: a run not running (pending, queued, finished, cancel
 * requested), a new round, a passed deadline, and the plan in which the last main task finishes (the run's
 * outcome, exit handlers).
 */
import type { CompiledDag } from '../dag/compiled.js';
import type { AttemptRecord, RunSnapshot } from '../model/records.js';
import { DEFAULT_RETRY_TIMING, type PlanResult, type RetryTiming } from './decisions.js';
import {
  countInstance,
  emptyPositioned,
  instanceOf,
  layoutOf,
  listState,
  Pass,
  plan,
  put,
  type Layout,
  type ListState,
  type PlanOptions,
  type Slot,
  Worklist,
} from './plan.js';

/** What a run's last plan saw and concluded, for the next plan to start from. */
interface Memo {
  readonly dag: CompiledDag;
  readonly timing: RetryTiming;
  readonly round: number;
  /** The run's attempt records as the last plan saw them, by index in the snapshot's list. */
  readonly seen: AttemptRecord[];
  readonly list: ListState;
  /** forEach instances per main position, by index (as `plan()` groups them). */
  readonly instances: (Map<number, Slot> | undefined)[];
  /** Positions to plan again (empty between plans). */
  readonly dirty: Worklist;
  /** Positions that decided something or wait on the clock: planned again next time. */
  live: number[];
}

export interface RunPlannerOptions {
  /**
   * How many tasks the kept plans may cover together; the least recently planned runs are forgotten
   * beyond it (their next plan is a full pass). @default 200_000
   */
  readonly maxTasks?: number;
}

/** Plans runs as `plan()` does, revisiting only what changed since each run's previous plan. */
export class RunPlanner {
  readonly #memos = new Map<string, Memo>();
  readonly #maxTasks: number;
  #tasks = 0;

  constructor(options: RunPlannerOptions = {}) {
    this.#maxTasks = options.maxTasks ?? 200_000;
  }

  /** The same result as `plan(dag, state, now, options)`. */
  plan(dag: CompiledDag, state: RunSnapshot, now: number, options?: PlanOptions): PlanResult {
    const { run } = state;
    const layout = layoutOf(dag);
    if (run.state !== 'running' || run.cancelRequested) {
      this.forget(run.id);
      return plan(dag, state, now, options);
    }
    const timing = options?.timing ?? DEFAULT_RETRY_TIMING;
    let memo = this.#memos.get(run.id);
    const continued =
      memo !== undefined &&
      memo.dag === dag &&
      memo.timing === timing &&
      memo.round === run.round &&
      queueChanges(layout, memo, state.attempts);
    let sweep = false;
    if (memo === undefined || !continued) {
      this.forget(run.id);
      memo = fresh(dag, layout, timing, state);
    } else if (memo.live.length > layout.main.names.length >> 1) {
      // Most tasks are live (running with a timeout, say): one pass in order costs less than queueing them.
      memo.dirty.clear();
      sweep = true;
    } else for (const i of memo.live) memo.dirty.add(i);
    const live: number[] = [];
    let result: PlanResult | null;
    try {
      const grouped = {
        main: memo.list.attempts,
        exits: NO_EXITS,
        instances: memo.instances,
        exitsStarted: false,
      };
      const pass = new Pass(dag, layout, grouped, state, now, timing);
      result = pass.replan(memo.list, continued && !sweep ? memo.dirty : null, live);
    } catch (error) {
      // The kept statuses may be half updated: the run's next plan starts over.
      this.forget(run.id);
      throw error;
    }
    if (result === null) {
      this.forget(run.id);
      return plan(dag, state, now, options);
    }
    memo.live = live;
    this.#remember(run.id, memo);
    return result;
  }

  /** Drops what is kept for the run (it finished, or its snapshot is no longer trusted). */
  forget(runId: string): void {
    const memo = this.#memos.get(runId);
    if (memo === undefined) return;
    this.#memos.delete(runId);
    this.#tasks -= memo.list.layout.names.length;
  }

  /** Runs whose last plan is kept. */
  get size(): number {
    return this.#memos.size;
  }

  #remember(runId: string, memo: Memo): void {
    // Deleted and set again: the most recently planned run comes last, the first is the one to forget.
    this.forget(runId);
    this.#memos.set(runId, memo);
    this.#tasks += memo.list.layout.names.length;
    // The run just planned is kept even when it alone exceeds the bound: it is being worked on.
    while (this.#memos.size > 1 && this.#tasks > this.#maxTasks) {
      const oldest = this.#memos.keys().next();
      if (oldest.done === true) break;
      this.forget(oldest.value);
    }
  }
}

const NO_EXITS = emptyPositioned(0);

/** A memo with nothing planned yet: every position is then planned, as a full pass does. */
function fresh(dag: CompiledDag, layout: Layout, timing: RetryTiming, state: RunSnapshot): Memo {
  const attempts = emptyPositioned(layout.main.names.length);
  const instances: (Map<number, Slot> | undefined)[] = [];
  const seen = state.attempts.slice();
  for (let k = 0; k < seen.length; k++) {
    const attempt = seen[k] as AttemptRecord;
    const i = positionOf(layout, attempt, k);
    if (i !== undefined) put(attempts, i, attempt);
    else if (layout.fanOut) countInstance(layout, instances, attempt);
  }
  const list = listState(layout.main, attempts);
  const dirty = new Worklist(layout.main.names.length);
  return { dag, timing, round: state.run.round, seen, list, instances, dirty, live: [] };
}

/** A changed record of an instance attempt already counted: its slot shows it if it is the latest. */
function changeInstance(
  layout: Layout,
  instances: (Map<number, Slot> | undefined)[],
  attempt: AttemptRecord,
): number | undefined {
  const instance = instanceOf(layout, attempt.taskName);
  if (instance === null) return undefined;
  const slot = instances[instance.position]?.get(instance.index);
  if (slot !== undefined && slot.latest.id === attempt.id) slot.latest = attempt;
  return instance.position;
}

/** The main task's position of an attempt (the k-th attempt is usually the k-th task's); exits have none. */
function positionOf(layout: Layout, attempt: AttemptRecord, k: number): number | undefined {
  return layout.main.names[k] === attempt.taskName ? k : layout.main.position.get(attempt.taskName);
}

/**
 * Brings the memo's attempts up to date with `attempts` and queues the positions whose attempts changed;
 * false when the list is not a continuation of the one the memo saw (read anew, reordered), or when so much
 * changed that a pass over every task is cheaper.
 */
function queueChanges(layout: Layout, memo: Memo, attempts: readonly AttemptRecord[]): boolean {
  const { seen, dirty, instances } = memo;
  const positioned = memo.list.attempts;
  if (attempts.length < seen.length) return false;
  let changes = 0;
  // Past half the attempts (a run read anew: every record a new object), one pass over every task costs
  // less than queueing them one by one. A small run's plans often change a quarter of it, so not less.
  const limit = attempts.length >> 1;
  for (let k = 0; k < seen.length; k++) {
    const attempt = attempts[k] as AttemptRecord;
    const before = seen[k] as AttemptRecord;
    if (attempt === before) continue;
    if (
      attempt.id !== before.id ||
      attempt.taskName !== before.taskName ||
      attempt.attempt !== before.attempt ||
      attempt.round !== before.round ||
      ++changes > limit
    ) {
      return false;
    }
    seen[k] = attempt;
    let i = positionOf(layout, attempt, k);
    if (i !== undefined) {
      if (positioned.latest[i]?.id === attempt.id) positioned.latest[i] = attempt;
    } else if (layout.fanOut) i = changeInstance(layout, instances, attempt);
    if (i !== undefined) dirty.add(i);
  }
  for (let k = seen.length; k < attempts.length; k++) {
    const attempt = attempts[k] as AttemptRecord;
    seen.push(attempt);
    let i = positionOf(layout, attempt, k);
    if (i !== undefined) put(positioned, i, attempt);
    else if (layout.fanOut) i = countInstance(layout, instances, attempt);
    if (i !== undefined) dirty.add(i);
  }
  return true;
}
