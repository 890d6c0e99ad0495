/**
 * `createWorker`: the executing half of the engine. It claims ready attempts from the store, executes them
 * through runtimes, renews their leases, records their outcomes through the run service's lanes (and so
 * through `writeRun`), carries out what each commit decided (aborts, retry and replan timers), dispatches
 * the outbox and, unless disabled, runs the cron scheduler. It never decides what runs next: the planner
 * does, inside the lanes.
 */
import { StartedJournal } from '../events/journal.js';
import { randomUUID } from 'node:crypto';
import type { CompiledDag } from '../dag/compiled.js';
import { Errors } from '../errors/kontroler-error.js';
import { attemptPosition } from '../model/attempt-positions.js';
import type { AttemptRecord, RunRecord, RunSnapshot } from '../model/records.js';
import { TERMINAL_RUN_STATES } from '../model/states.js';
import type { Decision } from '../planner/decisions.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { silentLogger, type Logger } from '../ports/logger.js';
import type { ClaimedAttempt } from '../ports/store.js';
import type { NotifiableEvent } from '../plugins/types.js';
import { createScheduler, type Scheduler, type SchedulerOptions } from '../scheduler/scheduler.js';
import {
  abortLocal,
  executeAttempt,
  type Execution,
  type ExecutorDeps,
  type LocalAttempt,
} from './executor.js';
import { OutboxDispatcher } from './outbox-dispatcher.js';
import type { PluginSet } from './plugin-setup.js';
import type { ClaimReservation, Committed, LaneObserver } from './run-lanes.js';
import type { RunService } from './run-service.js';
import { selectOutbox, startedMessageId } from './run-writer.js';
import { TimerSet } from './timers.js';
import type { StopOptions } from './types.js';

type WorkerState = 'idle' | 'running' | 'stopping' | 'stopped';

/** Most attempts one claim asks the store for; the claim loop goes round again while it gets as many. */
const CLAIM_BATCH = 500;

export interface WorkerOptions {
  /** The run service whose lanes record this worker's outcomes; scheduled runs are submitted through it. */
  readonly runs: RunService;
  /** Runtimes, task types, hooks and notifiers (see `setUpPlugins`); `start()` waits for `ready`. */
  readonly plugins: PluginSet;
  /** The runtime for tasks without `type`. @default the only runtime, when exactly one is registered */
  readonly defaultRuntime?: string;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
  /** Most attempts this worker executes at once. @default 10 */
  readonly concurrency?: number;
  /** This worker's lease owner id. @default `engine-<random uuid>` */
  readonly workerId?: string;
  /** Lease length; heartbeats renew it every `leaseMs / 3`. @default 30000 */
  readonly leaseMs?: number;
  /** Fallback polling of the store for work and outbox messages. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Runs cron schedules here (see `EngineOptions.scheduler`). @default true */
  readonly scheduler?: boolean | SchedulerOptions;
  /** After aborting an attempt, how long to wait for its runtime before recording the abort anyway. @default 30000 */
  readonly abortGraceMs?: number;
  /** Log lines are flushed to the store at least this often while an attempt runs. @default 100 */
  readonly logFlushMs?: number;
}

export interface Worker {
  /** Starts claiming work, dispatching the outbox and (unless disabled) the scheduler; resumes active runs. */
  start(): Promise<void>;
  /** Stops claiming. See `StopOptions`. Resolves when the worker is stopped. */
  stop(options?: StopOptions): Promise<void>;
  /** The cron scheduler (`tick(now)` for hosts that run it themselves). */
  readonly scheduler: Scheduler;
  /** This worker's lease owner id. */
  readonly workerId: string;
  /** Settles when the worker has stopped. */
  readonly promise: Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Whether the snapshot holds the attempt (through the list's position index, not a pass over it). */
function knows(snapshot: RunSnapshot, attemptId: string): boolean {
  return attemptPosition(snapshot.attempts, attemptId) >= 0;
}

export function createWorker(options: WorkerOptions): Worker {
  const { runs } = options;
  const { store, lanes, cache, reporting, notifiers } = runs.changes;
  const { registry, ready } = options.plugins;
  const { emit, reportError } = reporting;
  // task.started is not part of the claim's commit: journaled here, the claims of one batch in one append.
  const startedJournal = new StartedJournal(store, reportError);
  const clock = options.clock ?? systemClock;
  const workerId = options.workerId ?? `engine-${randomUUID()}`;
  const logger = options.logger ?? silentLogger;
  const concurrency = Math.max(1, options.concurrency ?? 10);
  const leaseMs = options.leaseMs ?? 30_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;

  const timers = new TimerSet(clock);
  const local = new Map<string, LocalAttempt>();
  const replanTimers = new Map<string, { at: number; cancel: () => void }>();
  const unsubscribes: Array<() => void> = [];
  let state: WorkerState = 'idle';
  let claiming = false;
  let claimAgain = false;
  /** The claim loop in flight, if any: `stop` waits for it so that no claim outlives the store. */
  let claimDone: Promise<void> = Promise.resolve();
  /** The last claim filled every free slot, so more work may be waiting for a slot to free up. */
  let backlog = false;
  /** Counts the store's `onWork` signals, so a commit can tell whether the store already woke us. */
  let workSignals = 0;
  /** Slots set aside for attempts a commit in flight may claim for us (see `reserve`). */
  let reserved = 0;
  /** Leases handed back for attempts a commit claimed while we were stopping: `stop` waits for them. */
  const handBacks = new Set<Promise<void>>();
  /** `stop({releaseLeases: false})` hands nothing back (it stands for a crash). */
  let handBackOnStop = true;
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | null = null;

  function armReplan(runId: string, at: number | null): void {
    const existing = replanTimers.get(runId);
    if (existing !== undefined && existing.at === at) return;
    existing?.cancel();
    replanTimers.delete(runId);
    if (at === null || state === 'stopped') return;
    const cancel = timers.after(at - clock.now(), () => {
      replanTimers.delete(runId);
      lanes.replan(runId).catch((error: unknown) => reportError(error, `replan:${runId}`));
    });
    replanTimers.set(runId, { at, cancel });
  }

  function carryOut(
    runId: string,
    decisions: readonly Decision[],
    wakeAt: number | null,
    after?: RunSnapshot,
    signalled = false,
    claimed: ReadonlySet<string> = new Set(),
  ): void {
    let readied = false;
    for (const decision of decisions) {
      if (decision.kind === 'abort') {
        const running = local.get(decision.attemptId);
        if (running !== undefined) abortLocal(running, decision.reason);
      } else if (decision.kind === 'ready') readied ||= !claimed.has(decision.attemptId);
      else if (decision.kind === 'retry') timers.after(decision.retryAt - clock.now(), wake);
      // An approval's timeout is claimed like a due retry; the poll claims it after a restart.
      else if (decision.kind === 'await') timers.after(decision.until - clock.now(), wake);
    }
    armReplan(runId, wakeAt);
    if (readied && !signalled) wake();
    if (after !== undefined && TERMINAL_RUN_STATES.has(after.run.state)) {
      armReplan(runId, null);
      cache.forget(runId);
      for (const runtime of registry.allRuntimes()) {
        runtime.cleanupRun?.(runId).catch((error: unknown) => reportError(error, `cleanup:${runId}`));
      }
    }
  }

  /**
   * Sets free slots aside for the attempts a commit of the lanes is about to make ready: the commit claims
   * them under our lease and `settle` starts them here, with no claim round trip. Slots are counted with
   * the claim loop's, so `concurrency` holds whichever path claims.
   */
  function reserve(wanted: number): ClaimReservation | null {
    const slots = Math.min(wanted, concurrency - local.size - reserved);
    if (state !== 'running' || slots <= 0) return null;
    reserved += slots;
    let settled = false;
    return {
      owner: workerId,
      leaseMs,
      slots,
      settle(claimed) {
        if (settled) return;
        settled = true;
        reserved -= slots;
        if (state !== 'running') {
          if (claimed.length === 0 || !handBackOnStop) return;
          // Stopping: hand them back at once, as the claim loop does with a claim that outlived `stop`.
          const handBack = store
            .releaseLeases(
              workerId,
              claimed.map((a) => a.id),
              clock.now(),
            )
            .catch((error: unknown) => reportError(error, 'release'))
            .finally(() => handBacks.delete(handBack));
          handBacks.add(handBack);
          return;
        }
        // The commit announced them (task.started is among its events): not again when they start.
        for (const attempt of claimed) startLocal({ attempt, reclaimed: false }, true);
        // Slots left unused may serve work that waited for them.
        if (claimed.length < slots && backlog) wake();
      },
    };
  }

  const observer: LaneObserver = {
    committed: (c: Committed) =>
      carryOut(c.after.run.id, c.decisions, c.wakeAt, c.after, c.workSignalled, c.claimed),
    planned: (runId, wakeAt, decisions) => carryOut(runId, decisions, wakeAt),
    gaveUp: (runId) => armReplan(runId, clock.now() + pollIntervalMs),
    workSignals: () => workSignals,
    reserve,
  };
  const stopObserving = lanes.observe(observer);

  const executorDeps: ExecutorDeps = {
    store,
    clock,
    logger,
    timers,
    registry,
    defaultRuntime: options.defaultRuntime,
    abortGraceMs: options.abortGraceMs ?? 30_000,
    logFlushMs: options.logFlushMs ?? 100,
    reportError,
  };

  const dispatcher = new OutboxDispatcher({
    store,
    clock,
    logger,
    timers,
    owner: workerId,
    leaseMs,
    notifiers,
    reportError,
  });

  // --- claiming -------------------------------------------------------------------------------------

  function wake(): void {
    if (state !== 'running') return;
    if (claiming) {
      claimAgain = true;
      return;
    }
    claiming = true;
    claimDone = claimLoop()
      .catch((error: unknown) => reportError(error, 'claim'))
      .finally(() => {
        claiming = false;
        if (claimAgain) {
          claimAgain = false;
          wake();
        }
      });
  }

  async function claimLoop(): Promise<void> {
    for (;;) {
      const free = concurrency - local.size - reserved;
      if (state !== 'running') return;
      if (free <= 0) {
        backlog = true;
        return;
      }
      // At most CLAIM_BATCH a round trip: a worker with thousands of free slots would otherwise parse and
      // start them all from one result, and that burst, not the attempts it starts, set the process's peak.
      const limit = Math.min(free, CLAIM_BATCH);
      const claimed = await store.claimAttempts({ owner: workerId, limit, leaseMs, now: clock.now() });
      // Fewer than asked for: the queue was empty when the claim ran, and a finishing attempt need not
      // claim again (new work wakes us through `onWork`, our own commits, retry timers or the poll).
      backlog = claimed.length === free;
      if (claimed.length === 0) return;
      if (state !== 'running') {
        await store.releaseLeases(
          workerId,
          claimed.map((c) => c.attempt.id),
          clock.now(),
        );
        return;
      }
      const byRun = new Map<string, ClaimedAttempt['attempt'][]>();
      for (const { attempt } of claimed) {
        const list = byRun.get(attempt.runId) ?? [];
        list.push(attempt);
        byRun.set(attempt.runId, list);
      }
      for (const [runId, attempts] of byRun) cache.patchAttempts(runId, attempts);
      for (const item of claimed) startLocal(item);
      if (claimed.length < limit) return;
    }
  }

  // --- executing ------------------------------------------------------------------------------------

  /** Executes a claimed attempt here; `announced` when its claim's commit already announced its start. */
  function startLocal({ attempt, reclaimed }: ClaimedAttempt, announced = false): void {
    const running: LocalAttempt = {
      attempt,
      controller: new AbortController(),
      dropped: false,
      aborted: null,
      submitted: false,
      done: Promise.resolve(),
      onAbort: null,
      abortListeners: null,
    };
    local.set(attempt.id, running);
    running.done = runLocal(running, reclaimed, announced);
  }

  /**
   * Announces an attempt's start and hands it to the executor with its run record and DAG. Returns the
   * executor's promise, so this frame ends there: an attempt that runs for hours must not keep the run's
   * whole snapshot (every attempt of the run) reachable, or a wide run keeps one snapshot version per
   * running attempt alive.
   */
  async function startAttempt(
    running: LocalAttempt,
    reclaimed: boolean,
    announced: boolean,
  ): Promise<Execution | undefined> {
    const { attempt } = running;
    const start = await runOf(attempt);
    if (start === undefined) return undefined;
    if (!announced) await announce(attempt, start.run, start.dag);
    return executeAttempt(executorDeps, running, start.run, start.dag, reclaimed);
  }

  /** Emits `task.started` and sends its notifications; resolves once the journal has it. */
  function announce(attempt: AttemptRecord, run: RunRecord, dag: CompiledDag): Promise<void> {
    const started: NotifiableEvent = { name: 'task.started', payload: { run, attempt } };
    emit(started);
    // Not a change of the run (the claim made it), only its notification: the id is the attempt's own,
    // so a worker that crashes before this line leaves the attempt to be reclaimed, and the reclaim
    // enqueues the same message (stores ignore an id they hold): neither lost nor sent twice.
    const messages = selectOutbox(
      notifiers(),
      [started],
      dag,
      clock.now(),
      (topic) => startedMessageId(attempt.id, topic),
      logger,
    );
    if (messages.length > 0) {
      store.enqueueOutbox(messages).catch((error: unknown) => reportError(error, `outbox:${attempt.id}`));
    }
    return startedJournal.add(started, clock.now());
  }

  /**
   * The run record and DAG of an attempt, from the cached snapshot, in a frame of its own: `startAttempt`
   * then waits for the journal (seconds under load) and must not hold the snapshot meanwhile, or a
   * controller starting ten thousand attempts keeps one snapshot version per claim round alive (63,502
   * attempt records in a heap snapshot taken with 7,117 attempts running; npm run bench -- controller).
   */
  async function runOf(attempt: AttemptRecord): Promise<{ run: RunRecord; dag: CompiledDag } | undefined> {
    let loaded = await cache.load(attempt.runId);
    // The cached snapshot may predate a change made elsewhere (a new round, a cancel): the executor reads
    // the run's parameters, version and cancel flag, so an attempt the snapshot does not know, or a
    // snapshot older than this attempt's round, is read again.
    if (
      loaded !== undefined &&
      !loaded.fresh &&
      (loaded.snapshot.run.round !== attempt.round || !knows(loaded.snapshot, attempt.id))
    ) {
      loaded = await cache.load(attempt.runId, { fresh: true });
    }
    return loaded && { run: loaded.snapshot.run, dag: loaded.dag };
  }

  /**
   * Executes a claimed attempt, records its outcome and forgets it; never rejects. A promise chain, not
   * an async function: the attempt runs for as long as its task does, and ten thousand suspended frames
   * (registers, generator, await closures) cost more than the one continuation each keeps here.
   */
  function runLocal(running: LocalAttempt, reclaimed: boolean, announced: boolean): Promise<void> {
    return startAttempt(running, reclaimed, announced).then(
      (execution) => record(running, execution),
      (error: unknown) => {
        reportError(error, `attempt:${running.attempt.id}`);
        forget(running);
      },
    );
  }

  /** Sends an execution's outcome through its run's lane, then the runtime's and hooks' callbacks. */
  async function record(running: LocalAttempt, execution: Execution | undefined): Promise<void> {
    const { attempt } = running;
    try {
      if (execution === undefined) {
        running.dropped = true;
        return;
      }
      const { context, outcome, runtime } = execution;
      if (running.dropped) return;
      running.submitted = true;
      const recorded = await lanes.outcome(attempt.runId, attempt.id, workerId, outcome);
      if (!recorded || context === null) return;
      if (runtime?.outcomeRecorded) {
        // Only now may a runtime let go of what another worker would need to adopt the attempt (its pod).
        await Promise.resolve(runtime.outcomeRecorded(context, outcome)).catch((error: unknown) =>
          logger.warn({ err: error, attemptId: attempt.id }, 'outcomeRecorded threw'),
        );
      }
      for (const hooks of registry.hooks) {
        try {
          await hooks.afterTaskEnd?.(context, outcome);
        } catch (error) {
          logger.warn({ err: error, attemptId: attempt.id }, 'afterTaskEnd hook threw');
        }
      }
    } catch (error) {
      reportError(error, `attempt:${attempt.id}`);
    } finally {
      forget(running);
    }
  }

  /** Lets go of a finished (or dropped) attempt: its slot, its hold on the run's cached snapshot. */
  function forget(running: LocalAttempt): void {
    local.delete(running.attempt.id);
    cache.release(running.attempt.runId, running.attempt.id);
    if (backlog) wake();
  }

  // --- leases and timers ----------------------------------------------------------------------------

  function heartbeat(): void {
    timers.after(leaseMs / 3, () => {
      if (state === 'stopped') return;
      heartbeat();
      void renewLeases();
    });
  }

  async function renewLeases(): Promise<void> {
    const ids = [...local.values()].filter((l) => !l.dropped).map((l) => l.attempt.id);
    if (ids.length === 0) return;
    try {
      const renewal = await store.renewLeases(workerId, ids, leaseMs, clock.now());
      for (const id of renewal.lost) {
        const running = local.get(id);
        if (running === undefined || running.submitted) continue;
        running.dropped = true;
        abortLocal(running, 'Lost');
      }
      for (const id of renewal.cancelRequested) {
        const running = local.get(id);
        if (running !== undefined && !running.submitted) abortLocal(running, 'Canceled');
      }
    } catch (error) {
      reportError(error, 'heartbeat');
    }
  }

  function poll(): void {
    timers.after(pollIntervalMs, () => {
      if (state !== 'running') return;
      poll();
      wake();
      dispatcher.wake();
      // A sweep: queued runs whose slot freed in a process that died before admitting them.
      void runs.admitQueued().catch((error: unknown) => reportError(error, 'admission'));
    });
  }

  async function resume(): Promise<void> {
    let ids: string[];
    try {
      ids = await store.listActiveRunIds();
    } catch (error) {
      reportError(error, 'resume');
      return;
    }
    for (const id of ids) {
      if (state !== 'running') return;
      await lanes.replan(id).catch((error: unknown) => reportError(error, `resume:${id}`));
    }
  }

  // --- lifecycle ------------------------------------------------------------------------------------

  async function stop(opts: StopOptions = {}): Promise<void> {
    if (stopping !== null) return stopping;
    if (state === 'idle') {
      state = 'stopped';
      stopObserving();
      await ready.catch(() => undefined);
      resolveStopped();
      return;
    }
    state = 'stopping';
    handBackOnStop = opts.releaseLeases !== false;
    stopping = (async () => {
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
      scheduler.stop();
      // A claim already sent finishes first: what it claimed is then either running locally (and handled
      // below) or released by the loop itself.
      await claimDone;
      if (opts.drain === true && local.size > 0) {
        let cancelWait = (): void => {};
        const timedOut = new Promise<void>((resolve) => {
          cancelWait = timers.after(opts.timeoutMs ?? 30_000, resolve);
        });
        await Promise.race([Promise.all([...local.values()].map((l) => l.done)), timedOut]);
        cancelWait();
      }
      const remaining = [...local.values()];
      for (const running of remaining) running.dropped = true;
      if (opts.releaseLeases !== false && remaining.length > 0) {
        await store
          .releaseLeases(
            workerId,
            remaining.map((r) => r.attempt.id),
            clock.now(),
          )
          .catch((error: unknown) => reportError(error, 'release'));
      }
      await dispatcher.stop();
      await lanes.idle();
      // Claims that commits made for us after we stopped claiming were handed back: wait for that.
      while (handBacks.size > 0) await Promise.allSettled([...handBacks]);
      stopObserving();
      timers.clearAll();
      replanTimers.clear();
      state = 'stopped';
      resolveStopped();
    })();
    return stopping;
  }

  const scheduler = createScheduler(
    {
      store,
      clock,
      logger,
      events: runs.events,
      submit: (dag, { idempotencyKey, scheduledFor }) =>
        runs.create(dag, undefined, { idempotencyKey, scheduledFor, trigger: 'schedule' }),
      cancel: (runId) => lanes.cancel(runId),
    },
    typeof options.scheduler === 'object' ? options.scheduler : {},
  );

  return {
    workerId,
    scheduler,
    promise: stopped,
    async start() {
      if (state !== 'idle') {
        if (state === 'running') return;
        throw Errors.engineStopped();
      }
      await ready;
      state = 'running';
      unsubscribes.push(
        store.onWork(() => {
          workSignals++;
          wake();
        }),
        store.onOutbox(() => dispatcher.wake()),
      );
      poll();
      heartbeat();
      dispatcher.start();
      const autoStart =
        options.scheduler !== false &&
        (typeof options.scheduler !== 'object' || options.scheduler.autoStart !== false);
      if (autoStart) scheduler.start();
      await resume();
      await runs.admitQueued().catch((error: unknown) => reportError(error, 'admission'));
      wake();
    },
    stop,
    [Symbol.asyncDispose]: () => stop(),
  };
}
