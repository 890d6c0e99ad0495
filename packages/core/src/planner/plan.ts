/**
 * The planner: `plan(dag, run, now) → decisions`. Pure: no clock reads, no I/O, and the only randomness is
 * the retry jitter seeded by the failed attempt's id. The engine carries the decisions out.
 *
 * One pass in topological order: each task's status is known before its children are looked at, so a
 * failure skips every waiting descendant in the same plan, and the run finishes in the plan that ends its
 * last task. Cost is O(tasks + attempts) per call; the engine plans through `RunPlanner` (run-planner.ts),
 * which revisits only what changed since a run's previous plan. Trigger rules, conditions, fan-out, exit
 * handlers and the run deadline are docs/flow/; `forEach` instances are attempts named `task[i]` grouped
 * under their task.
 */
import type { CompiledDag, CompiledTask } from '../dag/compiled.js';
import { MAX_FOR_EACH_ITEMS } from '../dag/limits.js';
import { parseReference } from '../dag/template.js';
import type { AttemptRecord, RunSnapshot } from '../model/records.js';
import { TERMINAL_RUN_STATES } from '../model/states.js';
import { retryDelay } from './backoff.js';
import { evaluateCondition, type ConditionInput } from './conditions.js';
import { instanceName, parseInstance } from './instances.js';
import { mayRetry } from './retry-policy.js';
import { RERUN_REASON } from './task-action-reasons.js';
import { evaluateTriggerRule, type SkipReason } from './trigger-rules.js';
import { MinHeap } from '../util/min-heap.js';
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

/** Not started, or waiting for a worker or a person: what a cancel or a deadline cancels outright. */
const isOpen = (attempt: AttemptRecord): boolean =>
  attempt.state === 'waiting' ||
  attempt.state === 'ready' ||
  attempt.state === 'retrying' ||
  attempt.state === 'awaiting';

const NOTHING: PlanResult = Object.freeze({ decisions: Object.freeze([]), wakeAt: null });

/** One list of tasks (the main tasks, or the exit handlers) by position in its topological order. */
export interface ListLayout {
  readonly names: readonly string[];
  readonly position: ReadonlyMap<string, number>;
  readonly tasks: readonly (CompiledTask | undefined)[];
  /** Parent positions per position, in `runAfter` order (-1 for a parent not in the list). */
  readonly parents: readonly (readonly number[])[];
  /** Child positions per position (the planner's incremental passes follow them). */
  readonly children: readonly (readonly number[])[];
}

/**
 * A compiled DAG's lists by position. The planner runs on every commit, so it reads attempts and statuses
 * from arrays by position instead of building name-keyed Maps each time. Compiled DAGs are immutable:
 * computed once.
 */
export interface Layout {
  readonly main: ListLayout;
  readonly exits: ListLayout;
  /** Whether any task has a condition (the CEL input is then kept up to date during the pass). */
  readonly conditions: boolean;
  /** Whether any task fans out (instance attempt names are then parsed). */
  readonly fanOut: boolean;
  /**
   * The per-position arrays of the last plan on this DAG, for the next one to reuse: allocating them was
   * a third of a plan on a small DAG (an Int32Array of 50 lives off the heap). Taken while a plan uses them
   * (`undefined`), so a nested or concurrent pass allocates its own; nothing a plan returns refers to them.
   */
  spare: { main: Positioned; exits: Positioned } | undefined;
}

const layouts = new WeakMap<CompiledDag, Layout>();

function listLayout(
  order: readonly string[],
  tasks: ReadonlyMap<string, CompiledTask> | undefined,
): ListLayout {
  const position = new Map<string, number>();
  for (let i = 0; i < order.length; i++) position.set(order[i] as string, i);
  const list: (CompiledTask | undefined)[] = [];
  const parents: number[][] = [];
  for (const name of order) {
    const task = tasks?.get(name);
    list.push(task);
    parents.push((task?.runAfter ?? []).map((parent) => position.get(parent) ?? -1));
  }
  const children: number[][] = order.map(() => []);
  parents.forEach((of, i) => {
    for (const p of of) if (p >= 0) (children[p] as number[]).push(i);
  });
  return { names: order, position, tasks: list, parents, children };
}

/** @internal The DAG's layout, computed once (RunPlanner reads it too). */
export function layoutOf(dag: CompiledDag): Layout {
  let layout = layouts.get(dag);
  if (layout !== undefined) return layout;
  const main = listLayout(dag.order, dag.tasks);
  const exits = listLayout(dag.exitOrder ?? [], dag.onExit);
  const all = [...main.tasks, ...exits.tasks];
  layout = {
    main,
    exits,
    conditions: all.some((t) => t?.when !== undefined),
    fanOut: main.tasks.some((t) => t?.forEach !== undefined),
    spare: undefined,
  };
  layouts.set(dag, layout);
  return layout;
}

export interface Slot {
  latest: AttemptRecord;
  /** Attempts of this instance in the latest attempt's round (see `Positioned`). */
  inRound: number;
}

/**
 * Per position: the latest attempt (highest number) and the attempts in the latest attempt's round. The
 * retry budget counts that round, not the run's: a task rerun (`planTaskRerun`) opens a new round for the
 * run while other tasks' attempts of the round before may still be running or have failed for good; they
 * keep the budget of their own round. Rounds never decrease along a task's attempt numbers, so the latest
 * attempt's round is the highest one seen. Before reruns existed, every attempt a retry decision looked at
 * was in the run's round, so the count is the same as it was then.
 */
export interface Positioned {
  readonly latest: (AttemptRecord | undefined)[];
  readonly inRound: Int32Array;
  /** The round `inRound` counts (0 before any attempt). */
  readonly round: Int32Array;
}

export interface Grouped {
  readonly main: Positioned;
  readonly exits: Positioned;
  /** forEach instances per main position, by index. */
  readonly instances: (Map<number, Slot> | undefined)[];
  /** Whether any exit handler has an attempt in the current round. */
  readonly exitsStarted: boolean;
}

/** @internal */
export function emptyPositioned(n: number): Positioned {
  return {
    latest: new Array<AttemptRecord | undefined>(n).fill(undefined),
    inRound: new Int32Array(n),
    round: new Int32Array(n),
  };
}

function clearPositioned(target: Positioned): Positioned {
  target.latest.fill(undefined);
  target.inRound.fill(0);
  target.round.fill(0);
  return target;
}

/** Per-position arrays for one plan: the layout's spare ones, cleared, or new ones when they are taken. */
function takePositioned(layout: Layout): { main: Positioned; exits: Positioned } {
  const spare = layout.spare;
  if (spare === undefined) {
    return {
      main: emptyPositioned(layout.main.names.length),
      exits: emptyPositioned(layout.exits.names.length),
    };
  }
  layout.spare = undefined;
  clearPositioned(spare.main);
  clearPositioned(spare.exits);
  return spare;
}

/** Hands a plan's arrays back to the layout once nothing refers to them any more. */
function giveBack(layout: Layout, grouped: Grouped): void {
  layout.spare = { main: grouped.main, exits: grouped.exits };
}

/** @internal Counts `attempt` in its position's slot (latest attempt, attempts in its round). */
export function put(target: Positioned, i: number, attempt: AttemptRecord): void {
  const seen = target.round[i] as number;
  if (attempt.round > seen) {
    target.round[i] = attempt.round;
    target.inRound[i] = 1;
  } else if (attempt.round === seen) target.inRound[i] = (target.inRound[i] as number) + 1;
  const current = target.latest[i];
  if (current === undefined || attempt.attempt > current.attempt) target.latest[i] = attempt;
}

function groupAttempts(layout: Layout, state: RunSnapshot): Grouped {
  const { main, exits } = takePositioned(layout);
  const instances: (Map<number, Slot> | undefined)[] = [];
  const round = state.run.round;
  const names = layout.main.names;
  let exitsStarted = false;
  const attempts = state.attempts;
  for (let k = 0; k < attempts.length; k++) {
    const attempt = attempts[k] as AttemptRecord;
    // Runs are created with one attempt per task in topological order, so the k-th attempt is usually
    // the k-th task's: one string comparison instead of a Map lookup.
    const i = names[k] === attempt.taskName ? k : layout.main.position.get(attempt.taskName);
    if (i !== undefined) {
      put(main, i, attempt);
      continue;
    }
    const e = layout.exits.position.get(attempt.taskName);
    if (e !== undefined) {
      put(exits, e, attempt);
      if (attempt.round === round) exitsStarted = true;
      continue;
    }
    if (layout.fanOut) countInstance(layout, instances, attempt);
  }
  return { main, exits, instances, exitsStarted };
}

/** @internal The main task position and the index of a forEach instance's attempt; null for others. */
export function instanceOf(layout: Layout, taskName: string): { position: number; index: number } | null {
  const instance = parseInstance(taskName);
  const position = instance === null ? undefined : layout.main.position.get(instance.task);
  return instance === null || position === undefined ? null : { position, index: instance.index };
}

/**
 * @internal Counts an attempt of a forEach instance in its slot (attempts met in the run's order); the
 * position of its task, or undefined when it is no instance of a main task.
 */
export function countInstance(
  layout: Layout,
  instances: (Map<number, Slot> | undefined)[],
  attempt: AttemptRecord,
): number | undefined {
  const instance = instanceOf(layout, attempt.taskName);
  if (instance === null) return undefined;
  const slots = (instances[instance.position] ??= new Map());
  const slot = slots.get(instance.index);
  if (slot === undefined) slots.set(instance.index, { latest: attempt, inRound: 1 });
  else {
    if (attempt.round > slot.latest.round) slot.inRound = 1;
    else if (attempt.round === slot.latest.round) slot.inRound++;
    if (attempt.attempt > slot.latest.attempt) slot.latest = attempt;
  }
  return instance.position;
}

export function plan(dag: CompiledDag, state: RunSnapshot, now: number, options?: PlanOptions): PlanResult {
  const { run } = state;
  if (TERMINAL_RUN_STATES.has(run.state)) return NOTHING;
  // A queued run waits for the store to admit it (docs/run-limits.md); only a cancel moves it.
  if (run.state === 'queued' && !run.cancelRequested) return NOTHING;
  const layout = layoutOf(dag);
  const grouped = groupAttempts(layout, state);
  try {
    if (run.cancelRequested) return planCancel(layout, grouped);
    return new Pass(dag, layout, grouped, state, now, options?.timing ?? DEFAULT_RETRY_TIMING).run();
  } finally {
    giveBack(layout, grouped);
  }
}

/**
 * What exit handlers see as `{{ run.status }}` and `{{ run.failedTasks }}`: the outcome of the main tasks,
 * decided exactly as `plan` decides it.
 */
export function exitContextOf(
  dag: CompiledDag,
  state: RunSnapshot,
  now: number,
): { status: 'succeeded' | 'failed'; failedTasks: string[] } {
  const layout = layoutOf(dag);
  const grouped = groupAttempts(layout, state);
  try {
    return new Pass(dag, layout, grouped, state, now, DEFAULT_RETRY_TIMING).mainOutcome();
  } finally {
    giveBack(layout, grouped);
  }
}

/** Every open attempt, in order: main tasks, their instances, exit handlers. */
function* openAttempts(layout: Layout, grouped: Grouped): Generator<[string, AttemptRecord]> {
  for (let i = 0; i < layout.main.names.length; i++) {
    const latest = grouped.main.latest[i];
    if (latest !== undefined) yield [layout.main.names[i] as string, latest];
    const slots = grouped.instances[i];
    if (slots !== undefined) {
      for (const index of [...slots.keys()].sort((a, b) => a - b)) {
        const slot = slots.get(index) as Slot;
        yield [slot.latest.taskName, slot.latest];
      }
    }
  }
  for (let e = 0; e < layout.exits.names.length; e++) {
    const latest = grouped.exits.latest[e];
    if (latest !== undefined) yield [layout.exits.names[e] as string, latest];
  }
}

function planCancel(layout: Layout, grouped: Grouped): PlanResult {
  const decisions: Decision[] = [];
  let running = 0;
  for (const [name, latest] of openAttempts(layout, grouped)) {
    if (latest.state === 'running') {
      running++;
      decisions.push({ kind: 'abort', attemptId: latest.id, task: name, reason: 'Canceled' });
    } else if (isOpen(latest)) {
      decisions.push({ kind: 'cancel', attemptId: latest.id, task: name });
    }
  }
  if (running === 0) decisions.push({ kind: 'finish-run', state: 'canceled', reason: 'canceled on request' });
  return { decisions, wakeAt: null };
}

// Task statuses by position, as small integers in a typed array.
const UNSEEN = 0;
const SUCCEEDED = 1;
/** Failed for good, canceled, or skipped because of a failure: counts as failed for trigger rules. */
const DEAD = 2;
const ACTIVE = 3;
const BLOCKED = 4;
/** Skipped for any other reason (condition false, skipped upstreams, trigger rule unmet, empty forEach). */
const SKIPPED = 5;

const STATUS_NAMES = ['waiting', 'succeeded', 'failed', 'running', 'waiting', 'skipped'] as const;

/** A skipped attempt counts as failed only when it was skipped because of a failure (or by an old engine). */
const isFailureSkip = (attempt: AttemptRecord): boolean =>
  attempt.reason === null || attempt.reason === 'UpstreamFailed';

/** The list being planned: the main tasks or the exit handlers. */
export interface ListState {
  readonly layout: ListLayout;
  readonly attempts: Positioned;
  readonly status: Uint8Array;
  /**
   * For dead or skipped tasks: the task whose failure or skip caused it. Sparse (written for few positions,
   * and an empty array costs nothing to make, where a Map per plan was measurable).
   */
  readonly cause: (string | undefined)[];
  /** Outputs per position, once known (succeeded attempts, settled forEach tasks); sparse as `cause`. */
  readonly outputs: (Readonly<Record<string, unknown>> | undefined)[];
  /** Failed tasks in position order (read once every task has finished, so only full passes keep it). */
  readonly failures: Failure[];
  unfinished: number;
  skipped: number;
}

/** @internal */
export function listState(layout: ListLayout, attempts: Positioned): ListState {
  return {
    layout,
    attempts,
    status: new Uint8Array(layout.names.length),
    cause: [],
    outputs: [],
    failures: [],
    unfinished: 0,
    skipped: 0,
  };
}

/**
 * @internal Positions to plan again, lowest first, each once: RunPlanner keeps one per run between plans.
 * Children come after their parents in the order, so a position taken is never added again in the same
 * pass, and the list is empty (its flags all clear) when a pass ends.
 */
export class Worklist {
  readonly #queued: Uint8Array;
  readonly #heap = new MinHeap<number>((a, b) => a - b);

  constructor(size: number) {
    this.#queued = new Uint8Array(size);
  }

  add(i: number): void {
    if (this.#queued[i] === 1) return;
    this.#queued[i] = 1;
    this.#heap.push(i);
  }

  /** Positions queued. */
  get size(): number {
    return this.#heap.size;
  }

  /** Empties the list. */
  clear(): void {
    while (this.take() !== undefined);
  }

  /** The lowest position queued, taken off the list. */
  take(): number | undefined {
    const i = this.#heap.pop();
    if (i !== undefined) this.#queued[i] = 0;
    return i;
  }
}

/** @internal One planning pass over a run (RunPlanner drives it incrementally through `replan`). */
export class Pass {
  private readonly decisions: Decision[];
  private wakeAt: number | null = null;
  private conditionInput: ConditionInput | undefined;
  private readonly deadlineAt: number | null;
  /**
   * While `replan` runs: the list and the position being planned. A full pass builds the CEL input as it
   * goes (each task sees the tasks before it in the order); a replan builds it from the kept statuses of
   * those tasks when a condition needs it.
   */
  private replanning: { readonly list: ListState; at: number; inputAt: number } | null = null;

  constructor(
    private readonly dag: CompiledDag,
    private readonly layout: Layout,
    private readonly grouped: Grouped,
    private readonly state: RunSnapshot,
    private readonly now: number,
    private readonly timing: RetryTiming,
  ) {
    this.decisions = state.run.state === 'pending' ? [{ kind: 'start-run' }] : [];
    const seconds = state.run.activeDeadlineSeconds ?? dag.activeDeadlineSeconds;
    // The plan that starts the run starts its clock too (`start-run` sets startedAt to now): without
    // that, nothing would wake the run at its deadline, as no later plan need follow before the tasks end.
    const started = state.run.startedAt ?? (state.run.state === 'pending' ? now : null);
    this.deadlineAt =
      seconds === undefined || seconds === null || started === null ? null : started + seconds * 1000;
  }

  run(): PlanResult {
    const main = listState(this.layout.main, this.grouped.main);
    const exceeded = this.deadlineAt !== null && this.deadlineAt <= this.now;
    if (exceeded) this.stopForDeadline(main);
    else {
      if (this.deadlineAt !== null) this.wake(this.deadlineAt);
      for (let i = 0; i < main.layout.names.length; i++) this.planTask(main, i, false);
    }
    if (main.unfinished > 0) return this.result();

    const failedLeaf = this.failedLeaf(main);
    const mainFailed = exceeded || failedLeaf !== null;
    const mainReason = exceeded
      ? `DeadlineExceeded: the run passed its deadline of ${this.state.run.activeDeadlineSeconds ?? this.dag.activeDeadlineSeconds} s`
      : mainFailed
        ? failureReason(main.failures)
        : succeededReason(main);
    const exitCount = this.layout.exits.names.length;
    if (exitCount === 0) return this.finish(mainFailed, mainReason);

    if (!this.grouped.exitsStarted) {
      const attempts = this.layout.exits.names.map((task, e) => ({
        task,
        attempt: (this.grouped.exits.latest[e]?.attempt ?? 0) + 1,
      }));
      this.decisions.push({ kind: 'add', why: 'exit', attempts });
      return this.result();
    }
    const exits = listState(this.layout.exits, this.grouped.exits);
    this.exitContext(main, mainFailed);
    for (let e = 0; e < exitCount; e++) this.planTask(exits, e, true);
    if (exits.unfinished > 0) return this.result();
    const exitFailure = exits.failures[0];
    if (!mainFailed && exitFailure !== undefined && this.dag.spec.onExitFailsRun === true) {
      return this.finish(true, `exit handler ${failureReason(exits.failures).slice('task '.length)}`);
    }
    return this.finish(mainFailed, mainReason);
  }

  /** The main tasks' outcome, without deciding anything (for exit handler templates). */
  mainOutcome(): { status: 'succeeded' | 'failed'; failedTasks: string[] } {
    const main = listState(this.layout.main, this.grouped.main);
    const exceeded = this.deadlineAt !== null && this.deadlineAt <= this.now;
    for (let i = 0; i < main.layout.names.length; i++) this.planTask(main, i, false);
    const failed = exceeded || this.failedLeaf(main) !== null;
    return { status: failed ? 'failed' : 'succeeded', failedTasks: main.failures.map((f) => f.task) };
  }

  /**
   * Plans main tasks again on a list whose statuses are kept from earlier passes (RunPlanner): every task
   * when `dirty` is null (the first plan), else those queued in `dirty` and, in topological order, the
   * children of each task whose status, cause or outputs change (a waiting task's verdict reads only its
   * parents' statuses, causes and outputs). `live` receives the positions to plan again next time whatever changes: those
   * that decided something (until the decision shows in their attempt) or wait on the clock (a running
   * attempt with a timeout). Null when the full pass has to decide: the deadline passed, or every main
   * task finished (the run's outcome, exit handlers).
   */
  replan(list: ListState, dirty: Worklist | null, live: number[]): PlanResult | null {
    if (this.deadlineAt !== null) {
      if (this.deadlineAt <= this.now) return null;
      this.wake(this.deadlineAt);
    }
    list.failures.length = 0;
    this.replanning = { list, at: -1, inputAt: -1 };
    // With half the tasks or more to plan again (many running with a timeout, say), one pass in order
    // costs less than taking them off the worklist one by one.
    if (dirty === null || dirty.size > list.layout.names.length >> 1) {
      dirty?.clear();
      for (let i = 0; i < list.layout.names.length; i++) this.revisit(list, i, live);
    } else {
      for (let i = dirty.take(); i !== undefined; i = dirty.take()) {
        if (this.revisit(list, i, live)) {
          for (const child of list.layout.children[i] as readonly number[]) dirty.add(child);
        }
      }
    }
    return list.unfinished > 0 ? this.result() : null;
  }

  /** Plans one task again (its old status leaves the counts first); whether its status or cause changed. */
  private revisit(list: ListState, i: number, live: number[]): boolean {
    const status = list.status[i];
    const cause = list.cause[i];
    const outputs = list.outputs[i];
    if (status === ACTIVE || status === BLOCKED) list.unfinished--;
    else if (status === SKIPPED) list.skipped--;
    list.cause[i] = undefined;
    list.outputs[i] = undefined;
    (this.replanning as { at: number }).at = i;
    const decided = this.decisions.length;
    this.planTask(list, i, false);
    const task = list.layout.tasks[i];
    const latest = list.attempts.latest[i];
    if (
      this.decisions.length > decided ||
      (latest?.state === 'running' && task?.timeoutSeconds !== undefined) ||
      // A fan-out's instances may wait on the clock (timeouts) without deciding anything.
      (task?.forEach !== undefined && list.status[i] === ACTIVE)
    ) {
      live.push(i);
    }
    return list.status[i] !== status || list.cause[i] !== cause || list.outputs[i] !== outputs;
  }

  /** The CEL input of a replan at position `at`: the tasks before it, from their kept statuses. */
  private inputBefore(list: ListState, at: number): ConditionInput {
    this.ensureConditionInput();
    const input = this.conditionInput as ConditionInput;
    const tasks = input.tasks as Record<string, unknown>;
    for (let p = 0; p < at; p++) {
      // As in a full pass: a task without an attempt gets no entry (planTask settles no status for it).
      if (list.layout.tasks[p] === undefined || list.attempts.latest[p] === undefined) continue;
      tasks[list.layout.names[p] as string] = {
        status: STATUS_NAMES[list.status[p] as number] ?? 'waiting',
        outputs: list.outputs[p] ?? {},
      };
    }
    return input;
  }

  private result(): PlanResult {
    return { decisions: this.decisions, wakeAt: this.wakeAt };
  }

  private finish(failed: boolean, reason: string): PlanResult {
    this.decisions.push({ kind: 'finish-run', state: failed ? 'failed' : 'succeeded', reason });
    return this.result();
  }

  private wake(at: number): void {
    if (this.wakeAt === null || at < this.wakeAt) this.wakeAt = at;
  }

  /** The deadline passed: stop every running attempt of a main task, cancel every open one. */
  private stopForDeadline(main: ListState): void {
    const mainOnly: Layout = { ...this.layout, exits: listLayout([], undefined) };
    for (const [name, latest] of openAttempts(mainOnly, this.grouped)) {
      if (latest.state === 'running') {
        main.unfinished++;
        this.decisions.push({ kind: 'abort', attemptId: latest.id, task: name, reason: 'DeadlineExceeded' });
      } else if (isOpen(latest)) {
        this.decisions.push({ kind: 'cancel', attemptId: latest.id, task: name, reason: 'DeadlineExceeded' });
      }
    }
  }

  /** The first leaf (no children) that failed or was skipped because of a failure, or null. */
  private failedLeaf(main: ListState): string | null {
    for (let i = 0; i < main.layout.names.length; i++) {
      const task = main.layout.tasks[i];
      if (task !== undefined && task.children.length === 0 && main.status[i] === DEAD) return task.name;
    }
    // The deadline branch sets no statuses: any dead attempt then decides.
    return null;
  }

  private planTask(list: ListState, i: number, exit: boolean): void {
    const name = list.layout.names[i] as string;
    const task = list.layout.tasks[i];
    const latest = list.attempts.latest[i];
    if (task === undefined || latest === undefined) {
      // Every task gets an attempt when a run or round is created; without one it can only wait.
      list.status[i] = BLOCKED;
      list.unfinished++;
      return;
    }
    const inRound = list.attempts.inRound[i] as number;
    let status: number;
    switch (latest.state) {
      case 'succeeded':
        status = SUCCEEDED;
        if (latest.outputs !== undefined && latest.outputs !== null) list.outputs[i] = latest.outputs;
        break;
      case 'ready':
      case 'retrying':
      case 'awaiting':
        status = ACTIVE;
        break;
      case 'running':
        status = ACTIVE;
        this.checkTimeout(task, name, latest);
        break;
      case 'waiting':
        status = this.planWaiting(list, i, task, latest, exit);
        break;
      case 'failed':
        if (task.forEach === undefined && mayRetry(task, latest, inRound)) {
          this.retry(name, latest, inRound);
          status = ACTIVE;
        } else {
          list.failures.push({ task: name, attempt: latest, attempts: inRound });
          list.cause[i] = name;
          status = DEAD;
        }
        break;
      case 'canceled':
        // Canceled without a cancel request (a runtime gave up on it, or the deadline): it ends the task
        // like a failure.
        list.failures.push({ task: name, attempt: latest, attempts: inRound });
        list.cause[i] = name;
        status = DEAD;
        break;
      case 'skipped': {
        const failure = isFailureSkip(latest);
        list.cause[i] = this.firstParentWith(list, i, failure ? DEAD : SKIPPED) ?? name;
        status = failure ? DEAD : SKIPPED;
        break;
      }
      default:
        status = UNSEEN;
    }
    this.settleStatus(list, i, status);
  }

  private settleStatus(list: ListState, i: number, status: number): void {
    list.status[i] = status;
    if (status === ACTIVE || status === BLOCKED) list.unfinished++;
    if (status === SKIPPED) list.skipped++;
    if (this.replanning !== null) return;
    if (this.conditionInput !== undefined || (this.layout.conditions && this.ensureConditionInput())) {
      const tasks = this.conditionInput?.tasks as Record<string, unknown>;
      tasks[list.layout.names[i] as string] = {
        status: STATUS_NAMES[status] ?? 'waiting',
        outputs: list.outputs[i] ?? {},
      };
    }
  }

  private ensureConditionInput(): boolean {
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.state.run.parameters)) {
      if ('value' in value) params[key] = value.value;
    }
    const run = this.state.run;
    this.conditionInput = {
      params,
      run: { id: run.id, name: run.dagName, namespace: run.namespace },
      tasks: {},
    };
    return true;
  }

  /** `run.status` and `run.failedTasks` for exit handlers. */
  private exitContext(main: ListState, failed: boolean): void {
    if (!this.layout.conditions) return;
    if (this.conditionInput === undefined) this.ensureConditionInput();
    const input = this.conditionInput as ConditionInput;
    this.conditionInput = {
      ...input,
      run: {
        ...input.run,
        status: failed ? 'failed' : 'succeeded',
        failedTasks: main.failures.map((f) => f.task),
      },
    };
  }

  private checkTimeout(task: CompiledTask, name: string, latest: AttemptRecord): void {
    const deadline = deadlineOf(task, latest);
    if (deadline === null) return;
    if (deadline <= this.now) {
      this.decisions.push({ kind: 'abort', attemptId: latest.id, task: name, reason: 'Timeout' });
    } else this.wake(deadline);
  }

  private retry(name: string, latest: AttemptRecord, inRound: number): void {
    const delay = retryDelay(this.timing, inRound, latest.id);
    this.decisions.push({
      kind: 'retry',
      task: name,
      failedAttemptId: latest.id,
      attempt: latest.attempt + 1,
      retryAt: this.now + Math.max(delay, latest.retryAfterMs ?? 0),
    });
  }

  /** The first parent (in `runAfter` order) with `status`, as its cause; null when none. */
  private firstParentWith(list: ListState, i: number, status: number): string | null {
    const parents = list.layout.parents[i] as readonly number[];
    for (const p of parents) {
      if (p >= 0 && list.status[p] === status) return list.cause[p] ?? (list.layout.names[p] as string);
    }
    return null;
  }

  private planWaiting(
    list: ListState,
    i: number,
    task: CompiledTask,
    latest: AttemptRecord,
    exit: boolean,
  ): number {
    const name = task.name;
    const parents = list.layout.parents[i] as readonly number[];
    let succeeded = 0;
    let failed = 0;
    let skipped = 0;
    for (const p of parents) {
      const s = p < 0 ? UNSEEN : list.status[p];
      if (s === SUCCEEDED) succeeded++;
      else if (s === DEAD) failed++;
      else if (s === SKIPPED) skipped++;
    }
    const rule = task.triggerRule ?? 'all_success';
    // Most waiting tasks of a large run wait on an unfinished parent, and nothing failed or was skipped
    // above them: the default rule keeps them waiting without consulting the rule table.
    if (rule === 'all_success' && failed === 0 && skipped === 0 && succeeded < parents.length) return BLOCKED;
    const verdict = evaluateTriggerRule(rule, {
      total: parents.length,
      succeeded,
      failed,
      skipped,
    });
    if (verdict === 'wait') return BLOCKED;
    if (verdict !== 'run') return this.skip(list, i, latest, verdict.skip);
    if (task.forEach !== undefined && !exit) return this.planFanOut(list, i, task, latest);
    if (task.when !== undefined) {
      const result = evaluateCondition(task.when, this.input());
      if (!result.ok) return this.fail(list, i, latest, 'ConditionError', `when: ${result.error}`);
      if (!result.value) return this.skip(list, i, latest, 'ConditionFalse');
    }
    const approval = task.spec.approval;
    if (approval !== undefined) {
      // An approval task holds no worker: it waits in `awaiting` until a person decides or its timeout
      // passes (a worker then claims it to record the timeout's outcome, as a due retry is claimed).
      const until = this.now + approval.timeoutSeconds * 1000;
      this.decisions.push({ kind: 'await', attemptId: latest.id, task: name, until });
      return ACTIVE;
    }
    this.decisions.push({ kind: 'ready', attemptId: latest.id, task: name });
    return ACTIVE;
  }

  private input(item?: unknown): ConditionInput {
    const replanning = this.replanning;
    if (replanning !== null && replanning.inputAt !== replanning.at) {
      this.inputBefore(replanning.list, replanning.at);
      replanning.inputAt = replanning.at;
    }
    if (this.conditionInput === undefined) this.ensureConditionInput();
    const input = this.conditionInput as ConditionInput;
    return item === undefined ? input : { ...input, item };
  }

  private skip(list: ListState, i: number, latest: AttemptRecord, reason: SkipReason): number {
    const name = list.layout.names[i] as string;
    const failure = reason === 'UpstreamFailed';
    const because =
      reason === 'ConditionFalse' || reason === 'EmptyForEach'
        ? name
        : (this.firstParentWith(list, i, failure ? DEAD : SKIPPED) ??
          this.firstParentWith(list, i, SUCCEEDED) ??
          name);
    this.decisions.push(
      failure
        ? { kind: 'skip', attemptId: latest.id, task: name, because }
        : { kind: 'skip', attemptId: latest.id, task: name, because, reason },
    );
    list.cause[i] = because;
    return failure ? DEAD : SKIPPED;
  }

  private fail(
    list: ListState,
    i: number,
    latest: AttemptRecord,
    reason: 'ConditionError' | 'ForEachError',
    message: string,
  ): number {
    const name = list.layout.names[i] as string;
    this.decisions.push({ kind: 'fail', attemptId: latest.id, task: name, reason, message });
    const failedAttempt: AttemptRecord = { ...latest, state: 'failed', reason, message, exitCode: null };
    list.failures.push({ task: name, attempt: failedAttempt, attempts: list.attempts.inRound[i] as number });
    list.cause[i] = name;
    return DEAD;
  }

  /** The items of a forEach task, or why they cannot be read. */
  private itemsOf(
    list: ListState,
    task: CompiledTask,
  ): { items: readonly unknown[]; sourceRound: number } | string {
    const forEach = task.forEach ?? {};
    if (forEach.items !== undefined) return { items: forEach.items, sourceRound: 0 };
    const ref = parseReference((forEach.from ?? '').replace(/^\s*\{\{\s*|\s*\}\}\s*$/g, ''));
    if (typeof ref === 'string' || ref.kind !== 'output') return `forEach.from is not an output reference`;
    const p = list.layout.position.get(ref.task);
    const source = p === undefined ? undefined : list.attempts.latest[p];
    const value = p === undefined ? undefined : list.outputs[p]?.[ref.output];
    if (!Array.isArray(value)) {
      const got = value === undefined ? 'nothing' : JSON.stringify(value).slice(0, 80);
      return `tasks.${ref.task}.outputs.${ref.output} is not a JSON list (got ${got})`;
    }
    if (value.length > MAX_FOR_EACH_ITEMS) {
      return `tasks.${ref.task}.outputs.${ref.output} has ${value.length} items; at most ${MAX_FOR_EACH_ITEMS} are allowed`;
    }
    return { items: value, sourceRound: source?.round ?? 0 };
  }

  private planFanOut(list: ListState, i: number, task: CompiledTask, base: AttemptRecord): number {
    const read = this.itemsOf(list, task);
    if (typeof read === 'string') return this.fail(list, i, base, 'ForEachError', read);
    const { items, sourceRound } = read;
    if (items.length === 0) return this.skip(list, i, base, 'EmptyForEach');
    const slots = this.grouped.instances[i];
    const name = task.name;
    // Instances of this expansion: created in the base attempt's round or later, or kept from an earlier
    // round (succeeded on a list whose source has not run again since) — unless a person asked for the
    // task to run again (a task rerun), which reruns every instance.
    const keepSucceeded = base.reason !== RERUN_REASON;
    const missing: { task: string; attempt: number }[] = [];
    // Instances holding a slot of the parallelism, counted on the way (they matter once none is missing).
    let active = 0;
    for (let k = 0; k < items.length; k++) {
      const slot = slots?.get(k);
      const current =
        slot !== undefined &&
        (slot.latest.round >= base.round ||
          (keepSucceeded && slot.latest.state === 'succeeded' && slot.latest.round >= sourceRound));
      if (!current) missing.push({ task: instanceName(name, k), attempt: (slot?.latest.attempt ?? 0) + 1 });
      else {
        const s = slot.latest.state;
        if (s === 'ready' || s === 'running' || s === 'retrying') active++;
      }
    }
    if (missing.length > 0) {
      this.decisions.push({ kind: 'add', why: 'expand', attempts: missing });
      return ACTIVE;
    }
    const limit = task.forEach?.parallelism ?? Number.POSITIVE_INFINITY;
    let open = 0;
    let dead = 0;
    let skippedCount = 0;
    let firstFailure: Failure | undefined;
    for (let k = 0; k < items.length; k++) {
      const slot = slots?.get(k) as Slot;
      const latest = slot.latest;
      const instance = latest.taskName;
      switch (latest.state) {
        case 'waiting': {
          if (active >= limit) {
            open++;
            break;
          }
          if (task.when !== undefined) {
            const result = evaluateCondition(task.when, this.input(items[k]));
            if (!result.ok) {
              this.decisions.push({
                kind: 'fail',
                attemptId: latest.id,
                task: instance,
                reason: 'ConditionError',
                message: `when: ${result.error}`,
              });
              dead++;
              firstFailure ??= {
                task: instance,
                attempt: { ...latest, state: 'failed', reason: 'ConditionError' },
                attempts: slot.inRound,
              };
              break;
            }
            if (!result.value) {
              this.decisions.push({
                kind: 'skip',
                attemptId: latest.id,
                task: instance,
                because: instance,
                reason: 'ConditionFalse',
              });
              skippedCount++;
              break;
            }
          }
          this.decisions.push({ kind: 'ready', attemptId: latest.id, task: instance });
          active++;
          open++;
          break;
        }
        case 'ready':
        case 'retrying':
          open++;
          break;
        case 'running':
          open++;
          this.checkTimeout(task, instance, latest);
          break;
        case 'failed':
          if (mayRetry(task, latest, slot.inRound)) {
            this.retry(instance, latest, slot.inRound);
            open++;
          } else {
            dead++;
            firstFailure ??= { task: instance, attempt: latest, attempts: slot.inRound };
          }
          break;
        case 'canceled':
          dead++;
          firstFailure ??= { task: instance, attempt: latest, attempts: slot.inRound };
          break;
        case 'skipped':
          skippedCount++;
          break;
        default:
          break;
      }
    }
    if (open > 0) return ACTIVE;
    const outputs: Record<string, unknown> = {};
    for (const output of task.outputs ?? []) {
      const values = new Array<unknown>(items.length);
      for (let k = 0; k < items.length; k++) {
        const latest = (slots?.get(k) as Slot).latest;
        values[k] = latest.state === 'succeeded' ? (latest.outputs?.[output] ?? null) : null;
      }
      outputs[output] = values;
    }
    const n = items.length;
    if (dead > 0) {
      const message = `${dead} of ${n} instances failed`;
      this.decisions.push({
        kind: 'settle',
        attemptId: base.id,
        task: name,
        state: 'failed',
        message,
        outputs,
      });
      list.failures.push(firstFailure ?? { task: name, attempt: base, attempts: 1 });
      list.cause[i] = name;
      return DEAD;
    }
    if (skippedCount === n) {
      const message = `all ${n} instances were skipped`;
      this.decisions.push({
        kind: 'settle',
        attemptId: base.id,
        task: name,
        state: 'skipped',
        message,
        outputs,
      });
      list.cause[i] = name;
      return SKIPPED;
    }
    const message = `${n - skippedCount} of ${n} instances succeeded`;
    this.decisions.push({
      kind: 'settle',
      attemptId: base.id,
      task: name,
      state: 'succeeded',
      message,
      outputs,
    });
    list.outputs[i] = outputs;
    return SUCCEEDED;
  }
}

/**
 * Why a run whose leaves all ended well succeeded. Tasks that failed upstream of a leaf that ran anyway (a
 * trigger rule such as `all_done`) are counted, not hidden.
 */
function succeededReason(main: ListState): string {
  const n = main.layout.names.length;
  let failed = 0;
  for (let i = 0; i < n; i++) if (main.status[i] === DEAD) failed++;
  if (main.skipped === 0 && failed === 0) return `all ${n} tasks succeeded`;
  const parts = [`${n - main.skipped - failed} of ${n} tasks succeeded`];
  if (failed > 0) parts.push(`${failed} failed (a later task's trigger rule let the run go on)`);
  if (main.skipped > 0) parts.push(`${main.skipped} skipped`);
  return parts.join(', ');
}

function deadlineOf(task: CompiledTask, attempt: AttemptRecord): number | null {
  if (task.timeoutSeconds === undefined || attempt.startedAt === null) return null;
  return attempt.startedAt + task.timeoutSeconds * 1000;
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
