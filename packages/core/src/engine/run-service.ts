/**
 * `createRunService`: the command and query half of the engine. It registers DAGs, creates, cancels and
 * retries runs, and reads them, as transactions on the store. It has no runtime, no claim loop and no
 * timers: a worker (here or in another process, on the same store) executes what it makes ready.
 *
 * Every change it makes goes through its run lanes and from there through `writeRun` (see run-writer.ts),
 * the same path the worker's outcomes take.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CompiledDag } from '../dag/compiled.js';
import { canonicalJson, isValidatedDag, validateDag } from '../dag/index.js';
import { Errors } from '../errors/kontroler-error.js';
import { EngineEventBus, safeEmit } from '../events/engine-events.js';
import { DEFAULT_NAMESPACE, dagKey, runDagRef, type DagRef } from '../model/dag-ref.js';
import type { AttemptRecord, RunRecord, RunSnapshot } from '../model/records.js';
import { newAttempt } from '../planner/commit.js';
import { DEFAULT_RETRY_TIMING, type RetryTiming } from '../planner/decisions.js';
import { planRetryFromFailed, retryRoundCommit } from '../planner/retry-from-failed.js';
import { planTaskMark, planTaskRerun, type TaskActionPlan } from '../planner/task-actions.js';
import { systemClock, type Clock } from '../ports/clock.js';
import { silentLogger, type Logger } from '../ports/logger.js';
import type { DagAuditInput, Page, PageRequest, RunCommit, RunFilter, Store } from '../ports/store.js';
import type { NotifiableEvent, Notifier } from '../plugins/types.js';
import { approvalAttempt, approvalCommit, type ApprovalDecision } from './approvals.js';
import { SLOT_RUN_STATES, TERMINAL_RUN_STATES } from '../model/states.js';
import { Admission } from './admission.js';
import { resolveParameters } from './parameters.js';
import { checkRunDeadline } from './run-options.js';
import { createReporting, type Reporting } from './reporting.js';
import { RunCache } from './run-cache.js';
import { RunLanes } from './run-lanes.js';
import { writeRun } from './run-writer.js';
import type {
  RegisterDagResult,
  RetryOptions,
  SubmitOptions,
  SubmitParameter,
  TaskActionResult,
  TaskMarkOptions,
  TaskRerunOptions,
} from './types.js';

/** Conflicting retries (another process changed the run meanwhile) are redone this many times. */
const MAX_RETRY_TRIES = 6;

export interface RunServiceOptions {
  /** The system of record. */
  readonly store: Store;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
  /** Where run events are emitted. @default a new bus */
  readonly events?: EngineEventBus;
  /**
   * The notifiers whose outbox messages each change carries (a function when plugins still add some).
   * @default []
   */
  readonly notifiers?: readonly Notifier[] | (() => Iterable<Notifier>);
  /** Backoff between task retries (the planner's decisions carry it). @default DEFAULT_RETRY_TIMING */
  readonly timing?: RetryTiming;
  /** Makes run, attempt and outbox ids. @default crypto.randomUUID */
  readonly newId?: () => string;
  /** Settles when the host's plugins are set up: commands wait for it. @default already settled */
  readonly ready?: Promise<void>;
}

/** What a worker in the same process shares with the run service, so one run has one lane and one cache. */
export interface RunChanges {
  readonly store: Store;
  readonly lanes: RunLanes;
  readonly cache: RunCache;
  readonly reporting: Reporting;
  readonly notifiers: () => Iterable<Notifier>;
  readonly newId: () => string;
}

export interface RunService {
  /**
   * Validates and stores a DAG document; an unchanged document makes no new version. A `CompiledDag` that
   * `validateDag`/`compileDag` returned is stored as it is, without being compiled again.
   */
  registerDag(
    doc: unknown,
    options?: { createdBy?: string | null; audit?: DagAuditInput },
  ): Promise<RegisterDagResult>;
  /**
   * Creates a run of the DAG's latest (or given) version and plans it at once. A bare name means the DAG
   * of that name in the `default` namespace, as `kubectl` does.
   */
  submit(
    dag: DagRef | string,
    parameters?: Readonly<Record<string, SubmitParameter>>,
    options?: SubmitOptions,
  ): Promise<RunRecord>;
  /** As `submit`, and says whether the run is new (false: an earlier run holds the idempotency key). */
  create(
    dag: DagRef,
    parameters?: Readonly<Record<string, SubmitParameter>>,
    options?: SubmitOptions,
  ): Promise<{ run: RunRecord; created: boolean }>;
  getRun(runId: string): Promise<RunSnapshot | undefined>;
  listRuns(filter: RunFilter, page: PageRequest): Promise<Page<RunRecord>>;
  /** Requests cancellation: what has not started is canceled, what runs is aborted by its worker. */
  cancel(runId: string): Promise<RunRecord>;
  /** Starts a new round of a failed or canceled run. */
  retry(runId: string, options?: RetryOptions): Promise<RunRecord>;
  /**
   * Reruns one task of a running or finished run, with `downstream` every task below it too, in a new
   * round (docs/task-actions.md); a finished run runs again.
   * @throws KontrolerError `TASK_NOT_FOUND`, `TASK_ACTION_REFUSED` (e.g. the task is running), `RUN_NOT_FOUND`
   */
  rerunTask(runId: string, task: string, options?: TaskRerunOptions): Promise<TaskActionResult>;
  /**
   * Records a task of a running or finished run as succeeded or failed without executing it, and lets
   * the run carry on from that outcome (docs/task-actions.md).
   * @throws KontrolerError `TASK_NOT_FOUND`, `TASK_ACTION_REFUSED` (e.g. the task is running), `RUN_NOT_FOUND`
   */
  markTask(runId: string, task: string, options: TaskMarkOptions): Promise<TaskActionResult>;
  /**
   * Starts queued runs that fit their limits now, in `namespace` or (no argument) in every namespace with
   * queued runs; resolves when they are planned. Hosts call it after changing limits; workers sweep with it.
   */
  admitQueued(namespace?: string): Promise<void>;
  /**
   * Refuses further commands (ENGINE_STOPPED), starts no more admissions (queued runs wait for the next
   * sweep) and resolves once the changes in flight are written.
   */
  close(): Promise<void>;
  /**
   * Approves or rejects an approval task that awaits a decision (docs/approval.md) and plans what follows;
   * resolves with the run after both.
   * @throws KontrolerError `RUN_NOT_FOUND`, `APPROVAL_TASK_NOT_FOUND`, `APPROVAL_NOT_PENDING`
   */
  decideApproval(runId: string, task: string, decision: ApprovalDecision): Promise<RunSnapshot>;
  readonly events: EngineEventBus;
  /** For a worker hosted in the same process (`createWorker({runs})`); not for callers. */
  readonly changes: RunChanges;
}

/** What a command of the run service writes: a commit planned on the run as it is, and its events. */
interface Command<T> {
  readonly commit: RunCommit;
  /** The DAG version the run executes after the commit. @default the run's current one */
  readonly dag?: CompiledDag;
  readonly events: (after: RunSnapshot) => readonly NotifiableEvent[];
  /** What the command returns once written. */
  readonly value: T;
}

function notifierSource(given: RunServiceOptions['notifiers']): () => Iterable<Notifier> {
  if (typeof given === 'function') return given;
  const list = given ?? [];
  return () => list;
}

export function createRunService(options: RunServiceOptions): RunService {
  const { store } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const events = options.events ?? new EngineEventBus();
  const newId = options.newId ?? randomUUID;
  const ready = options.ready ?? Promise.resolve();
  const notifiers = notifierSource(options.notifiers);
  const reporting = createReporting(events, logger);
  const cache = new RunCache(store);
  const writerDeps = { store, cache, logger, notifiers, newId, emit: reporting.emit };
  const lanes = new RunLanes({
    store,
    cache,
    clock,
    logger,
    timing: options.timing ?? DEFAULT_RETRY_TIMING,
    newId,
    write: (change) => writeRun(writerDeps, change),
    reportError: reporting.reportError,
  });
  const admission = new Admission({ store, lanes, cache, logger, reportError: reporting.reportError });
  // A run that held a slot ended: whichever process committed it starts what waited for the slot.
  lanes.observe({
    committed: ({ before, after }) => {
      if (SLOT_RUN_STATES.has(before.run.state) && TERMINAL_RUN_STATES.has(after.run.state)) {
        void admission.request(after.run.namespace);
      }
    },
    planned: () => undefined,
    gaveUp: () => undefined,
    workSignals: () => 0,
  });
  let closed = false;

  async function usable(): Promise<void> {
    if (closed) throw Errors.engineStopped();
    await ready;
  }

  /**
   * Whether run limits apply to a run of `latest` (its DAG's latest version) in `namespace`: then the run
   * waits `queued` for admission, which alone hands out slots, in queue order (docs/run-limits.md).
   */
  async function limited(latest: CompiledDag, namespace: string): Promise<boolean> {
    if (latest.spec.maxActiveRuns !== undefined) return true;
    return ((await store.getNamespaceLimits(namespace))?.maxActiveRuns ?? null) !== null;
  }

  /**
   * A commit that reopens a finished run (a retry, a task rerun or mark) makes it active again: under run
   * limits it goes back through admission like a new run (`queued`), instead of taking a slot past them.
   * Like every queued run it has not started: admission's start sets `startedAt` again (and with it the
   * start of its deadline).
   */
  async function throughAdmission(snapshot: RunSnapshot, commit: RunCommit): Promise<RunCommit> {
    const run = snapshot.run;
    if (!TERMINAL_RUN_STATES.has(run.state) || commit.run?.state !== 'running') return commit;
    const record = await store.getDag(runDagRef(run));
    if (record === undefined) return commit;
    if (!(await limited(await cache.dag(runDagRef(run), record.latestVersion), run.namespace))) return commit;
    return { ...commit, run: { ...commit.run, state: 'queued', startedAt: null } };
  }

  async function create(
    ref: DagRef,
    parameters: Readonly<Record<string, SubmitParameter>> | undefined,
    opts: SubmitOptions = {},
  ): Promise<{ run: RunRecord; created: boolean }> {
    await usable();
    checkRunDeadline(opts.activeDeadlineSeconds);
    const dagRecord = await store.getDag(ref);
    if (dagRecord === undefined || dagRecord.deletedAt !== null) throw Errors.dagNotFound(dagKey(ref));
    const version = opts.version ?? dagRecord.latestVersion;
    const dag = await cache.dag(ref, version);
    // Limits are the latest version's (an operator lowers them by saving the DAG) and the namespace's.
    const latest = version === dagRecord.latestVersion ? dag : await cache.dag(ref, dagRecord.latestVersion);
    const queued = await limited(latest, dagRecord.namespace);
    const now = clock.now();
    const runId = newId();
    const run: RunRecord = {
      id: runId,
      dagName: dagRecord.name,
      namespace: dagRecord.namespace,
      dagVersion: version,
      state: queued ? 'queued' : 'pending',
      parameters: resolveParameters(dag, parameters),
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
      ...(opts.activeDeadlineSeconds !== undefined
        ? { activeDeadlineSeconds: opts.activeDeadlineSeconds }
        : {}),
      priority: opts.priority ?? dag.spec.priority ?? 0,
    };
    const attempts = dag.order.map((taskName) =>
      newAttempt({ id: newId(), runId, taskName, attempt: 1, round: 1, state: 'waiting', createdAt: now }),
    );
    const written = await writeRun(writerDeps, {
      kind: 'create',
      run,
      attempts,
      dag,
      now,
      events: (after): NotifiableEvent[] => [{ name: 'run.created', payload: { run: after.run } }],
    });
    if (written.status === 'exists') return { run: written.run, created: false };
    if (written.status !== 'written') throw Errors.conflict('run', runId);
    if (queued) {
      // Created queued (even with slots free), so that admission alone hands out slots, in queue order.
      await admission.request(run.namespace);
      return { run: (await store.getRun(runId)) ?? written.after.run, created: true };
    }
    const planned = await lanes.replan(runId);
    return { run: planned?.run ?? written.after.run, created: true };
  }

  /**
   * Writes the commit `decide` builds from the run as the store has it, in the run's lane, redoing it when
   * another process changed the run meanwhile; then plans the run. `decide` throws to refuse.
   */
  async function command<T>(
    runId: string,
    decide: (snapshot: RunSnapshot, dag: CompiledDag, now: number) => Promise<Command<T>> | Command<T>,
  ): Promise<{ run: RunRecord; value: T }> {
    await usable();
    const { value, queued } = await lanes.exclusive(runId, async () => {
      for (let tries = 0; ; tries++) {
        const loaded = await cache.load(runId, { fresh: true });
        if (loaded === undefined) throw Errors.runNotFound(runId);
        const now = clock.now();
        const decided = await decide(loaded.snapshot, loaded.dag, now);
        const commit = await throughAdmission(loaded.snapshot, decided.commit);
        const written = await writeRun(writerDeps, {
          kind: 'commit',
          before: loaded.snapshot,
          commit,
          dag: decided.dag ?? loaded.dag,
          now,
          events: decided.events,
        });
        if (written.status === 'written') {
          return { value: decided.value, queued: commit.run?.state === 'queued' ? written.after.run : null };
        }
        if (written.status === 'not-found') throw Errors.runNotFound(runId);
        if (tries >= MAX_RETRY_TRIES - 1) throw Errors.conflict('run', runId);
      }
    });
    if (queued !== null) {
      // Reopened under run limits: admission starts it when a slot is free (perhaps at once).
      await admission.request(queued.namespace);
      return { run: (await store.getRun(runId)) ?? queued, value };
    }
    const planned = await lanes.replan(runId);
    if (planned === undefined) throw Errors.runNotFound(runId);
    return { run: planned.run, value };
  }

  async function retry(runId: string, opts: RetryOptions = {}): Promise<RunRecord> {
    const done = await command(runId, async (snapshot, dag, now): Promise<Command<undefined>> => {
      {
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
        return {
          commit: retryRoundCommit(snapshot, round, version, now, newId),
          ...(target === undefined ? {} : { dag: target }),
          events: (after) => [{ name: 'run.retried', payload: { run: after.run } }],
          value: undefined,
        };
      }
    });
    return done.run;
  }

  /**
   * The command of a task action: its commit, and its events: `task.rerun` for every attempt a rerun
   * created, `task.marked` for the attempt a mark recorded (the tasks below it that it reopens follow).
   */
  function taskAction(plan: TaskActionPlan, name: 'task.rerun' | 'task.marked'): Command<AttemptRecord[]> {
    if (!plan.ok) throw plan.error;
    const announced = name === 'task.rerun' ? plan.attempts : plan.attempts.slice(0, 1);
    const ids = announced.map((a) => a.id);
    return {
      commit: plan.commit,
      events: (after) => {
        const byId = new Map(after.attempts.map((a) => [a.id, a]));
        return ids.flatMap((id) => {
          const attempt = byId.get(id);
          return attempt === undefined ? [] : [{ name, payload: { run: after.run, attempt } }];
        });
      },
      value: [...plan.attempts],
    };
  }

  async function rerunTask(runId: string, task: string, opts: TaskRerunOptions = {}) {
    const done = await command(runId, (snapshot, dag, now) =>
      taskAction(
        planTaskRerun(dag, snapshot, { task, downstream: opts.downstream ?? false }, now, newId),
        'task.rerun',
      ),
    );
    return { run: done.run, attempts: done.value };
  }

  async function markTask(runId: string, task: string, opts: TaskMarkOptions) {
    const done = await command(runId, (snapshot, dag, now) =>
      taskAction(
        planTaskMark(
          dag,
          snapshot,
          { task, state: opts.state, ...(opts.message === undefined ? {} : { message: opts.message }) },
          now,
          newId,
        ),
        'task.marked',
      ),
    );
    return { run: done.run, attempts: done.value };
  }

  async function decideApproval(
    runId: string,
    task: string,
    decision: ApprovalDecision,
  ): Promise<RunSnapshot> {
    await usable();
    await lanes.exclusive(runId, async () => {
      for (let tries = 0; ; tries++) {
        const loaded = await cache.load(runId, { fresh: true });
        if (loaded === undefined) throw Errors.runNotFound(runId);
        const { snapshot, dag } = loaded;
        const { attempt } = approvalAttempt(dag, snapshot, task);
        const now = clock.now();
        const { commit, events: decided } = approvalCommit(snapshot, attempt, decision, now);
        const written = await writeRun(writerDeps, {
          kind: 'commit',
          before: snapshot,
          commit,
          dag,
          now,
          events: decided,
        });
        if (written.status === 'written') return;
        if (written.status === 'not-found') throw Errors.runNotFound(runId);
        if (tries >= MAX_RETRY_TRIES - 1) throw Errors.conflict('run', runId);
      }
    });
    const planned = await lanes.replan(runId);
    if (planned === undefined) throw Errors.runNotFound(runId);
    return planned;
  }

  return {
    events,
    changes: { store, lanes, cache, reporting, notifiers, newId },
    decideApproval,
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
      return (await create(ref, parameters, opts)).run;
    },
    create,
    getRun: (runId) => store.getRunSnapshot(runId),
    listRuns: (filter, page) => store.listRuns(filter, page),
    async cancel(runId) {
      await usable();
      return (await lanes.cancel(runId)).run;
    },
    retry,
    rerunTask,
    markTask,
    async admitQueued(namespace) {
      await usable();
      await (namespace === undefined ? admission.sweep() : admission.request(namespace));
    },
    async close() {
      closed = true;
      // Admission first: a pass in flight replans through the lanes, and the lanes' commits start none now.
      await admission.close();
      await lanes.idle();
    },
  };
}
