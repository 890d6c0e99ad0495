/**
 * `createEngine`: the I/O side of Kontroler. It claims ready attempts from the store, executes them on
 * runtimes, and records every outcome together with the planner's decisions and the notifiers' outbox
 * messages in one guarded commit per batch (see `run-lanes.ts`). It never decides what runs next: the
 * pure planner does.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { DependencyContainer } from 'tsyringe';
import type { CompiledDag } from '../dag/compiled.js';
import { canonicalJson, isValidatedDag, validateDag } from '../dag/index.js';
import { createChildContainer, registerCore, TOKENS } from '../di/index.js';
import { Errors } from '../errors/kontroler-error.js';
import { EngineEventBus, safeEmit, type EngineEventName } from '../events/engine-events.js';
import { applyRunCommit } from '../model/apply-commit.js';
import { DEFAULT_NAMESPACE, dagKey, runDagRef, type DagRef } from '../model/dag-ref.js';
import type { AttemptRecord, ParameterValue, RunRecord, RunSnapshot } from '../model/records.js';
import { TERMINAL_RUN_STATES } from '../model/states.js';
import { newAttempt } from '../planner/commit.js';
import { DEFAULT_RETRY_TIMING, type Decision } from '../planner/decisions.js';
import { planRetryFromFailed, retryRoundCommit } from '../planner/retry-from-failed.js';
import { systemClock } from '../ports/clock.js';
import { silentLogger } from '../ports/logger.js';
import type { ClaimedAttempt } from '../ports/store.js';
import { PluginRegistry } from '../plugins/host.js';
import type { NotifiableEvent } from '../plugins/types.js';
import { createScheduler } from '../scheduler/scheduler.js';
import { abortLocal, executeAttempt, type ExecutorDeps, type LocalAttempt } from './executor.js';
import { OutboxDispatcher } from './outbox-dispatcher.js';
import { RunCache } from './run-cache.js';
import { RunLanes, selectOutbox, type Committed } from './run-lanes.js';
import { TimerSet } from './timers.js';
import type {
  Engine,
  EngineOptions,
  RegisterDagResult,
  RetryOptions,
  StopOptions,
  SubmitOptions,
  SubmitParameter,
} from './types.js';

type EngineState = 'idle' | 'running' | 'stopping' | 'stopped';

/** Checks submitted parameters against the DAG's declared ones and fills in the defaults. */
export function resolveParameters(
  dag: CompiledDag,
  given: Readonly<Record<string, SubmitParameter>> = {},
): Record<string, ParameterValue> {
  const declared = new Map((dag.spec.parameters ?? []).map((p) => [p.name, p]));
  const resolved: Record<string, ParameterValue> = {};
  for (const [name, value] of Object.entries(given)) {
    if (!declared.has(name)) {
      throw Errors.parameterInvalid(name, 'unknown', `DAG ${dag.name} declares no parameter "${name}"`);
    }
    if (typeof value === 'string') resolved[name] = { value };
    else if (typeof value === 'object' && value !== null && typeof value.fromSecret === 'string') {
      resolved[name] = { fromSecret: value.fromSecret };
    } else {
      throw Errors.parameterInvalid(name, 'type', `parameter "${name}" must be a string or {fromSecret}`);
    }
  }
  for (const [name, spec] of declared) {
    if (name in resolved) continue;
    if (spec.defaultValue !== undefined) resolved[name] = { value: spec.defaultValue };
    else if (spec.defaultFromSecret !== undefined) resolved[name] = { fromSecret: spec.defaultFromSecret };
    else
      throw Errors.parameterInvalid(name, 'required', `parameter "${name}" has no default and was not given`);
  }
  return resolved;
}

/** Whether the snapshot holds the attempt (searched from the end: new attempts are appended). */
function knows(snapshot: RunSnapshot, attemptId: string): boolean {
  const { attempts } = snapshot;
  for (let i = attempts.length - 1; i >= 0; i--) if (attempts[i]?.id === attemptId) return true;
  return false;
}

export function createEngine(options: EngineOptions): Engine {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const workerId = options.workerId ?? `engine-${randomUUID()}`;
  const logger = (options.logger ?? silentLogger).child({ workerId });
  const concurrency = Math.max(1, options.concurrency ?? 10);
  const leaseMs = options.leaseMs ?? 30_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const timing = options.timing ?? DEFAULT_RETRY_TIMING;
  const newId = options.newId ?? randomUUID;
  const events = new EngineEventBus();
  const container: DependencyContainer = options.container ?? createChildContainer();
  registerCore(container, { store, clock, logger });
  container.register(TOKENS.EventBus, { useValue: events });

  const registry = new PluginRegistry(events, container, logger);
  const own = registry.hostFor('engine');
  for (const runtime of options.runtimes ?? []) own.registerRuntime(runtime);
  for (const notifier of options.notifiers ?? []) own.registerNotifier(notifier);
  const ready = registry.install(options.plugins ?? []);
  ready.catch((error: unknown) => logger.error({ err: error }, 'plugin setup failed'));

  const timers = new TimerSet(clock);
  const cache = new RunCache(store);
  const local = new Map<string, LocalAttempt>();
  const replanTimers = new Map<string, { at: number; cancel: () => void }>();
  const unsubscribes: Array<() => void> = [];
  let state: EngineState = 'idle';
  let claiming = false;
  let claimAgain = false;
  /** The last claim filled every free slot, so more work may be waiting for a slot to free up. */
  let backlog = false;
  /** Counts the store's `onWork` signals, so a commit can tell whether the store already woke us. */
  let workSignals = 0;
  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | null = null;

  const notifiers = () => registry.notifiers.values();
  const reportError = (error: unknown, context: string): void => {
    logger.error({ err: error, context }, 'engine error');
    safeEmit(events, logger, 'engine.error', { error, context });
  };
  const emitUnsafe = safeEmit as (
    bus: EngineEventBus,
    l: typeof logger,
    n: EngineEventName,
    p: unknown,
  ) => void;
  const emit = (event: NotifiableEvent): void => {
    if (events.listenerCount(event.name) > 0) emitUnsafe(events, logger, event.name, event.payload);
  };

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
  ): void {
    let readied = false;
    for (const decision of decisions) {
      if (decision.kind === 'abort') {
        const running = local.get(decision.attemptId);
        if (running !== undefined) abortLocal(running, decision.reason);
      } else if (decision.kind === 'ready') readied = true;
      else if (decision.kind === 'retry') timers.after(decision.retryAt - clock.now(), wake);
    }
    // A fan-out or exit handlers were just created, or a fan-out settled: plan again at once (docs/flow/).
    const more = decisions.some((d) => d.kind === 'add' || d.kind === 'settle');
    if (more && after !== undefined && !TERMINAL_RUN_STATES.has(after.run.state)) {
      lanes.replan(runId).catch((error: unknown) => reportError(error, `replan:${runId}`));
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

  const lanes: RunLanes = new RunLanes({
    store,
    cache,
    clock,
    logger,
    workerId,
    timing,
    notifiers,
    wantsTaskEvents: () =>
      registry.notifiers.size > 0 || events.eventNames().some((name) => name.startsWith('task.')),
    newId,
    workSignals: () => workSignals,
    onCommitted: (committed: Committed) => {
      for (const event of committed.events) emit(event);
      carryOut(
        committed.after.run.id,
        committed.decisions,
        committed.wakeAt,
        committed.after,
        committed.workSignalled,
      );
    },
    onPlanned: (runId, wakeAt, decisions) => carryOut(runId, decisions, wakeAt),
    onGiveUp: (runId, error) => {
      reportError(error, `commit:${runId}`);
      armReplan(runId, clock.now() + pollIntervalMs);
    },
  });

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

  // --- executing ------------------------------------------------------------------------------------

  function wake(): void {
    if (state !== 'running') return;
    if (claiming) {
      claimAgain = true;
      return;
    }
    claiming = true;
    void claimLoop()
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
      const free = concurrency - local.size;
      if (state !== 'running') return;
      if (free <= 0) {
        backlog = true;
        return;
      }
      const claimed = await store.claimAttempts({ owner: workerId, limit: free, leaseMs, now: clock.now() });
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
      if (claimed.length < free) return;
    }
  }

  function startLocal({ attempt, reclaimed }: ClaimedAttempt): void {
    const running: LocalAttempt = {
      attempt,
      controller: new AbortController(),
      dropped: false,
      aborted: null,
      submitted: false,
      done: Promise.resolve(),
      onAbort: null,
    };
    local.set(attempt.id, running);
    running.done = runLocal(running, reclaimed);
  }

  /**
   * The run record and DAG an attempt executes with, announcing its start. A separate function on purpose:
   * the run's whole snapshot (every attempt of the run) must not stay reachable from the frame of an
   * attempt that runs for hours, or a wide run keeps one snapshot version per running attempt alive.
   */
  async function startAttempt(
    attempt: AttemptRecord,
  ): Promise<{ run: RunRecord; dag: CompiledDag } | undefined> {
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
    if (loaded === undefined) return undefined;
    const { snapshot, dag } = loaded;
    const started: NotifiableEvent = { name: 'task.started', payload: { run: snapshot.run, attempt } };
    emit(started);
    // Not part of the claim's commit, so the id is the attempt's own: a worker that crashes before this
    // line leaves the attempt to be reclaimed, and the reclaim enqueues the same message (stores ignore an
    // id they hold), so it is neither lost nor sent twice.
    const messages = selectOutbox(
      notifiers(),
      [started],
      dag,
      clock.now(),
      (topic) => `task.started:${attempt.id}:${topic}`,
      logger,
    );
    if (messages.length > 0) {
      store.enqueueOutbox(messages).catch((error: unknown) => reportError(error, `outbox:${attempt.id}`));
    }
    return { run: snapshot.run, dag };
  }

  /** Executes a claimed attempt, records its outcome and forgets it; never rejects. */
  async function runLocal(running: LocalAttempt, reclaimed: boolean): Promise<void> {
    const { attempt } = running;
    try {
      // Chained, not awaited in two steps: this frame lives as long as the attempt and must not keep the
      // run record it started from.
      const execution = await startAttempt(attempt).then(
        (start) => start && executeAttempt(executorDeps, running, start.run, start.dag, reclaimed),
      );
      if (execution === undefined) {
        running.dropped = true;
        return;
      }
      const { context, outcome, runtime } = execution;
      if (running.dropped) return;
      running.submitted = true;
      const recorded = await lanes.outcome(attempt.runId, attempt.id, outcome);
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
      local.delete(attempt.id);
      cache.release(attempt.runId, attempt.id);
      if (backlog) wake();
    }
  }

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
    });
  }

  // --- the public surface ---------------------------------------------------------------------------

  function assertUsable(): void {
    if (state === 'stopping' || state === 'stopped') throw Errors.engineStopped();
  }

  async function submitRun(
    ref: DagRef,
    parameters: Readonly<Record<string, SubmitParameter>> | undefined,
    opts: SubmitOptions = {},
  ): Promise<{ run: RunRecord; created: boolean }> {
    assertUsable();
    await ready;
    const dagRecord = await store.getDag(ref);
    if (dagRecord === undefined || dagRecord.deletedAt !== null) throw Errors.dagNotFound(dagKey(ref));
    const version = opts.version ?? dagRecord.latestVersion;
    const dag = await cache.dag(ref, version);
    const resolved = resolveParameters(dag, parameters);
    const now = clock.now();
    const runId = newId();
    const run: RunRecord = {
      id: runId,
      dagName: dagRecord.name,
      namespace: dagRecord.namespace,
      dagVersion: version,
      state: 'pending',
      parameters: resolved,
      trigger: opts.trigger ?? 'manual',
      revision: 0,
      round: 1,
      cancelRequested: false,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      reason: null,
      idempotencyKey: opts.idempotencyKey ?? null,
      scheduledFor: opts.scheduledFor ?? null,
      labels: { ...opts.labels },
    };
    const attempts = dag.order.map((taskName) =>
      newAttempt({
        id: newId(),
        runId,
        taskName,
        attempt: 1,
        round: 1,
        state: 'waiting',
        createdAt: now,
      }),
    );
    const createdEvent: NotifiableEvent = { name: 'run.created', payload: { run } };
    const outbox = selectOutbox(notifiers(), [createdEvent], dag, now, () => newId(), logger);
    const result = await store.createRun({ run, attempts, ...(outbox.length > 0 ? { outbox } : {}) });
    if (!result.created) return result;
    cache.set({ run: result.run, attempts });
    emit({ name: 'run.created', payload: { run: result.run } });
    const planned = await lanes.replan(runId);
    return { run: planned?.run ?? result.run, created: true };
  }

  async function retryRun(runId: string, opts: RetryOptions = {}): Promise<RunRecord> {
    assertUsable();
    await ready;
    await lanes.exclusive(runId, async () => {
      for (let tries = 0; ; tries++) {
        const loaded = await cache.load(runId, { fresh: true });
        if (loaded === undefined) throw Errors.runNotFound(runId);
        const { snapshot, dag } = loaded;
        const run = snapshot.run;
        if (run.state !== 'failed' && run.state !== 'canceled')
          throw Errors.runNotRetryable(runId, run.state);
        let version = run.dagVersion;
        if (opts.version === 'latest') {
          const record = await store.getDag(runDagRef(run));
          if (record === undefined) throw Errors.dagNotFound(dagKey(runDagRef(run)));
          version = record.latestVersion;
        } else if (opts.version !== undefined) version = opts.version;
        const target = version === run.dagVersion ? undefined : await cache.dag(runDagRef(run), version);
        const round = planRetryFromFailed(dag, snapshot, target, { fromFailed: opts.fromFailed ?? true });
        if (!round.ok) throw round.error;
        const now = clock.now();
        const commit = retryRoundCommit(snapshot, round, version, now, newId);
        const after = applyRunCommit(snapshot, commit);
        if (after === 'conflict') throw Errors.conflict('run', runId);
        const retried: NotifiableEvent = { name: 'run.retried', payload: { run: after.run } };
        const outbox = selectOutbox(notifiers(), [retried], target ?? dag, now, () => newId(), logger);
        const answer = await store.commitRun(outbox.length > 0 ? { ...commit, outbox } : commit);
        if (answer.ok) {
          const committed = { run: { ...after.run, revision: answer.revision }, attempts: after.attempts };
          cache.set(committed);
          emit({ name: 'run.retried', payload: { run: committed.run } });
          return;
        }
        cache.forget(runId);
        if (answer.reason === 'not-found') throw Errors.runNotFound(runId);
        if (tries >= 5) throw Errors.conflict('run', runId);
      }
    });
    const planned = await lanes.replan(runId);
    if (planned === undefined) throw Errors.runNotFound(runId);
    return planned.run;
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

  async function stop(opts: StopOptions = {}): Promise<void> {
    if (stopping !== null) return stopping;
    if (state === 'idle') {
      state = 'stopped';
      await ready.catch(() => undefined);
      resolveStopped();
      return;
    }
    state = 'stopping';
    stopping = (async () => {
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
      scheduler.stop();
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
      events,
      submit: (dag, { idempotencyKey, scheduledFor }) =>
        submitRun(dag, undefined, { idempotencyKey, scheduledFor, trigger: 'schedule' }),
      cancel: (runId) => lanes.cancel(runId),
    },
    typeof options.scheduler === 'object' ? options.scheduler : {},
  );

  const engine: Engine = {
    workerId,
    events,
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
      wake();
    },
    stop,
    async registerDag(doc, opts) {
      // A DAG that validateDag already compiled (the API checks documents with positions) is not compiled
      // twice.
      let compiled: CompiledDag;
      if (isValidatedDag(doc)) compiled = doc;
      else {
        const result = validateDag(doc);
        if (!result.ok) throw Errors.dagInvalid(result.errors);
        compiled = result.dag;
      }
      const spec = compiled.spec;
      const hash = createHash('sha256').update(canonicalJson(spec)).digest('hex');
      const put = await store.putDagVersion({
        name: spec.name,
        namespace: spec.namespace ?? DEFAULT_NAMESPACE,
        spec,
        hash,
        now: clock.now(),
        createdBy: opts?.createdBy ?? null,
        ...(opts?.audit ? { audit: opts.audit } : {}),
      });
      safeEmit(events, logger, 'dag.registered', put);
      return { ...put, compiled } satisfies RegisterDagResult;
    },
    async submit(dag, parameters, opts) {
      const ref = typeof dag === 'string' ? { namespace: DEFAULT_NAMESPACE, name: dag } : dag;
      return (await submitRun(ref, parameters, opts)).run;
    },
    getRun: (runId) => store.getRunSnapshot(runId),
    listRuns: (filter, page) => store.listRuns(filter, page),
    async cancel(runId) {
      assertUsable();
      await ready;
      return (await lanes.cancel(runId)).run;
    },
    retry: retryRun,
    [Symbol.asyncDispose]: () => stop(),
  };
  container.register(TOKENS.Engine, { useValue: engine });
  return engine;
}
