/**
 * `MemoryStore`: the whole Store port in memory, for embedding Kontroler without PostgreSQL and for
 * tests. Safe for one process with many concurrent async callers: every method does its work
 * synchronously between two awaits, so each is atomic exactly like a transaction. Not durable: what it
 * holds is gone when the process ends.
 */
import { Errors } from '../errors/kontroler-error.js';
import { transitionRun } from '../model/states.js';
import type { DagRef } from '../model/dag-ref.js';
import { evaluateRunCommit } from '../model/apply-commit.js';
import type {
  AttemptRecord,
  DagRecord,
  DagVersion,
  DeliveryAttempt,
  LogLine,
  OutboxMessage,
  OutboxRecord,
  RunRecord,
  RunSnapshot,
} from '../model/records.js';
import type { Logger } from '../ports/logger.js';
import { silentLogger } from '../ports/logger.js';
import type {
  ClaimRequest,
  ClaimedAttempt,
  CommitResult,
  CreateRunInput,
  DagFilter,
  DeliveryResult,
  LeaseRenewal,
  OutboxClaim,
  Page,
  PageRequest,
  PutDagVersionInput,
  PutDagVersionResult,
  RunCommit,
  RunEventBounds,
  RunEventInput,
  RunEventQuery,
  RunFilter,
  Store,
  StoredLogLine,
  StoredRunEvent,
} from '../ports/store.js';
import type {
  AggregateScope,
  DagOutcomes,
  DailyOutcomes,
  TaskOutcomeQuery,
  TaskOutcomes,
  TimeWindow,
} from '../ports/aggregates.js';
import * as aggregates from './aggregates.js';
import { EventTable } from './event-table.js';
import type { BackfillChange, BackfillRecord } from '../ports/backfill-store.js';
import type { DagTaskRecord, DagTaskRef, DagTaskVersion, PutDagTaskInput } from '../ports/dag-task-store.js';
import type { TriggerRecord, TriggerSecret } from '../ports/trigger-store.js';
import type { NamespaceLimits, SetNamespaceLimitsInput } from '../ports/limit-store.js';
import { BackfillTable } from './backfill-table.js';
import { DagTable } from './dag-table.js';
import { DagTaskTable } from './dag-task-table.js';
import { TriggerTable } from './trigger-table.js';
import { frozenAttempt, frozenRun, patchedAttempt } from './freeze.js';
import { Listeners } from './listeners.js';
import { LimitTable } from './limit-table.js';
import { LogTable } from './log-table.js';
import { OutboxTable } from './outbox-table.js';
import { RunTable } from './run-table.js';

export interface MemoryStoreOptions {
  /** Where errors thrown by `onWork`/`onOutbox` listeners are reported. @default silentLogger */
  readonly logger?: Logger;
  /** How many run events the in-process journal keeps (the oldest go first). @default 10000 */
  readonly maxRunEvents?: number;
}

/** Creates an empty memory store. */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(options);
}

/** True when an attempt in this state is, or will become, claimable: a worker should look. */
const wakesWorkers = (attempt: AttemptRecord): boolean =>
  attempt.state === 'ready' || attempt.state === 'retrying';

export class MemoryStore implements Store {
  readonly #dags = new DagTable();
  readonly #runs = new RunTable();
  readonly #logs = new LogTable();
  readonly #outbox = new OutboxTable();
  readonly #triggers = new TriggerTable();
  readonly #backfills = new BackfillTable();
  readonly #dagTasks = new DagTaskTable();
  readonly #limits = new LimitTable();
  readonly #work: Listeners;
  readonly #outboxListeners: Listeners;
  readonly #events: EventTable;
  readonly #eventListeners: Listeners;
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    const logger = options.logger ?? silentLogger;
    this.#work = new Listeners('onWork', logger);
    this.#outboxListeners = new Listeners('onOutbox', logger);
    this.#events = new EventTable(Math.max(1, options.maxRunEvents ?? 10_000));
    this.#eventListeners = new Listeners('onRunEvents', logger);
  }

  // --- DAGs ---------------------------------------------------------------------------------------

  async putDagVersion(input: PutDagVersionInput): Promise<PutDagVersionResult> {
    this.#assertOpen();
    return this.#dags.put(input);
  }

  async getDag(dag: DagRef): Promise<DagRecord | undefined> {
    this.#assertOpen();
    return this.#dags.get(dag);
  }

  async listDags(filter: DagFilter, page: PageRequest): Promise<Page<DagRecord>> {
    this.#assertOpen();
    return this.#dags.list(filter, page);
  }

  async getDagVersion(dag: DagRef, version: number): Promise<DagVersion | undefined> {
    this.#assertOpen();
    return this.#dags.version(dag, version);
  }

  async listDagVersions(dag: DagRef, page: PageRequest): Promise<Page<DagVersion>> {
    this.#assertOpen();
    return this.#dags.versions(dag, page);
  }

  async setDagSuspended(dag: DagRef, suspended: boolean, now: number): Promise<DagRecord | undefined> {
    this.#assertOpen();
    return this.#dags.setSuspended(dag, suspended, now);
  }

  async deleteDag(dag: DagRef, now: number): Promise<boolean> {
    this.#assertOpen();
    return this.#dags.delete(dag, now);
  }

  async listScheduledDags(): Promise<Array<{ dag: DagRecord; version: DagVersion }>> {
    this.#assertOpen();
    return this.#dags.scheduled();
  }

  async getScheduleCursor(dag: DagRef): Promise<number | null> {
    this.#assertOpen();
    return this.#dags.scheduleCursor(dag);
  }

  async advanceScheduleCursor(dag: DagRef, expected: number | null, next: number): Promise<boolean> {
    this.#assertOpen();
    return this.#dags.advanceScheduleCursor(dag, expected, next);
  }

  // --- Runs ---------------------------------------------------------------------------------------

  async createRun(input: CreateRunInput): Promise<{ run: RunRecord; created: boolean }> {
    this.#assertOpen();
    const key = input.run.idempotencyKey;
    const existing = key === null ? undefined : this.#runs.runByIdempotencyKey(input.run.namespace, key);
    if (existing !== undefined) return { run: existing, created: false };
    if (this.#runs.run(input.run.id) !== undefined) throw Errors.conflict('run', input.run.id);
    const duplicate = input.attempts.find((attempt) => this.#runs.attempt(attempt.id) !== undefined);
    if (duplicate !== undefined) throw Errors.conflict('attempt', duplicate.id);
    const run = frozenRun(input.run);
    this.#runs.writeRun(run);
    for (const attempt of input.attempts)
      this.#runs.writeAttempt(
        frozenAttempt(attempt.runId === run.id ? attempt : { ...attempt, runId: run.id }),
      );
    this.#enqueueOutbox(input.outbox ?? []);
    this.#journal(input.events ?? []);
    if (input.attempts.some(wakesWorkers)) this.#work.notify();
    return { run, created: true };
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    this.#assertOpen();
    return this.#runs.run(runId);
  }

  async getRunSnapshot(runId: string): Promise<RunSnapshot | undefined> {
    this.#assertOpen();
    return this.#runs.snapshot(runId);
  }

  async listRuns(filter: RunFilter, page: PageRequest): Promise<Page<RunRecord>> {
    this.#assertOpen();
    return this.#runs.list(filter, page);
  }

  async listActiveRunIds(): Promise<string[]> {
    this.#assertOpen();
    return this.#runs.activeRunIds();
  }

  async commitRun(commit: RunCommit): Promise<CommitResult> {
    this.#assertOpen();
    const run = this.#runs.run(commit.runId);
    if (run === undefined) return { ok: false, reason: 'not-found' };
    const effects = evaluateRunCommit(run, (id) => this.#runs.attempt(id), commit);
    if (effects === 'conflict') return { ok: false, reason: 'conflict' };
    // Every check passed above; from here on nothing can fail, so the commit is all or nothing.
    this.#runs.writeRun(Object.freeze(effects.run));
    for (const attempt of effects.changed) this.#runs.writeAttempt(Object.freeze(attempt));
    for (const attempt of effects.added) this.#runs.writeAttempt(frozenAttempt(attempt));
    this.#enqueueOutbox(commit.outbox ?? []);
    this.#journal(commit.events ?? []);
    if (effects.changed.some(wakesWorkers) || effects.added.some(wakesWorkers)) this.#work.notify();
    return { ok: true, revision: effects.run.revision };
  }

  async deleteFinishedRuns(before: number, limit: number): Promise<number> {
    this.#assertOpen();
    const runs = this.#runs.finishedBefore(before, Math.max(0, Math.floor(limit)));
    for (const run of runs) {
      this.#logs.delete(this.#runs.deleteRun(run.id));
      this.#outbox.deleteRun(run.id);
    }
    return runs.length;
  }

  // --- Queue --------------------------------------------------------------------------------------

  async claimAttempts(request: ClaimRequest): Promise<ClaimedAttempt[]> {
    this.#assertOpen();
    const candidates = this.#runs.queue.take(request.limit, request.now, (id) => this.#runs.attempt(id));
    return candidates.map(({ attempt, reclaimed }) => {
      const claimed = patchedAttempt(attempt, {
        state: 'running',
        leaseOwner: request.owner,
        leaseExpiresAt: request.now + request.leaseMs,
        startedAt: attempt.startedAt ?? request.now,
      });
      this.#runs.writeAttempt(claimed);
      return { attempt: claimed, reclaimed };
    });
  }

  async renewLeases(
    owner: string,
    attemptIds: readonly string[],
    leaseMs: number,
    now: number,
  ): Promise<LeaseRenewal> {
    this.#assertOpen();
    const renewal: LeaseRenewal = { renewed: [], lost: [], cancelRequested: [] };
    for (const id of attemptIds) {
      const attempt = this.#runs.attempt(id);
      // An expired lease nobody has taken yet is still ours: renewing it is safe.
      if (attempt?.state !== 'running' || attempt.leaseOwner !== owner) {
        renewal.lost.push(id);
        continue;
      }
      this.#runs.writeAttempt(patchedAttempt(attempt, { leaseExpiresAt: now + leaseMs }));
      renewal.renewed.push(id);
      if (this.#runs.run(attempt.runId)?.cancelRequested === true) renewal.cancelRequested.push(id);
    }
    return renewal;
  }

  async releaseLeases(owner: string, attemptIds: readonly string[], now: number): Promise<void> {
    this.#assertOpen();
    let released = false;
    for (const id of attemptIds) {
      const attempt = this.#runs.attempt(id);
      if (attempt?.state !== 'running' || attempt.leaseOwner !== owner) continue;
      // The owner stays recorded: whoever claims it next gets `reclaimed: true` and adopts the work.
      this.#runs.writeAttempt(patchedAttempt(attempt, { leaseExpiresAt: now }));
      released = true;
    }
    if (released) this.#work.notify();
  }

  onWork(listener: () => void): () => void {
    return this.#work.add(listener);
  }

  // --- Logs ---------------------------------------------------------------------------------------

  async appendLogs(attemptId: string, lines: readonly LogLine[]): Promise<void> {
    this.#assertOpen();
    this.#logs.append(attemptId, lines);
  }

  async readLogs(
    attemptId: string,
    options?: { afterSeq?: number; limit?: number; tail?: number },
  ): Promise<StoredLogLine[]> {
    this.#assertOpen();
    return this.#logs.read(attemptId, options);
  }

  // --- Outbox -------------------------------------------------------------------------------------

  async enqueueOutbox(messages: readonly OutboxMessage[]): Promise<void> {
    this.#assertOpen();
    this.#enqueueOutbox(messages);
  }

  async claimOutbox(claim: OutboxClaim): Promise<OutboxRecord[]> {
    this.#assertOpen();
    return this.#outbox.claim(claim);
  }

  async recordDelivery(id: string, result: DeliveryResult): Promise<void> {
    this.#assertOpen();
    this.#outbox.recordDelivery(id, result);
  }

  async listDeliveries(
    runId: string,
  ): Promise<Array<{ message: OutboxRecord; attempts: DeliveryAttempt[] }>> {
    this.#assertOpen();
    return this.#outbox.deliveries(runId);
  }

  async getOutbox(id: string): Promise<OutboxRecord | undefined> {
    this.#assertOpen();
    return this.#outbox.get(id);
  }

  async requeueOutbox(id: string, now: number): Promise<boolean> {
    this.#assertOpen();
    const requeued = this.#outbox.requeue(id, now);
    if (requeued) this.#outboxListeners.notify();
    return requeued;
  }

  onOutbox(listener: () => void): () => void {
    return this.#outboxListeners.add(listener);
  }

  // --- Aggregates ---------------------------------------------------------------------------------

  async countActiveRuns(scope: AggregateScope): Promise<Readonly<Record<string, number>>> {
    this.#assertOpen();
    return aggregates.countActiveRuns(this.#runs.allRuns(), scope);
  }

  async listWaitingRuns(scope: AggregateScope, limit: number): Promise<RunRecord[]> {
    this.#assertOpen();
    return aggregates.listWaitingRuns(this.#runs.allRuns(), scope, limit);
  }

  async dagOutcomes(scope: AggregateScope, window: TimeWindow): Promise<DagOutcomes[]> {
    this.#assertOpen();
    return aggregates.dagOutcomes(this.#runs.allRuns(), scope, window);
  }

  async dailyOutcomes(scope: AggregateScope, window: TimeWindow): Promise<DailyOutcomes[]> {
    this.#assertOpen();
    return aggregates.dailyOutcomes(this.#runs.allRuns(), scope, window);
  }

  async taskOutcomes(
    scope: AggregateScope,
    window: TimeWindow,
    query: TaskOutcomeQuery,
  ): Promise<TaskOutcomes[]> {
    this.#assertOpen();
    return aggregates.taskOutcomes(
      this.#runs.allRuns(),
      (runId) => this.#runs.attemptsOf(runId),
      scope,
      window,
      query,
    );
  }

  // --- Run events ---------------------------------------------------------------------------------

  async appendRunEvents(events: readonly RunEventInput[]): Promise<void> {
    this.#assertOpen();
    this.#journal(events);
  }

  async readRunEvents(query: RunEventQuery): Promise<StoredRunEvent[]> {
    this.#assertOpen();
    return this.#events.read(query);
  }

  async runEventBounds(): Promise<RunEventBounds> {
    this.#assertOpen();
    return this.#events.bounds();
  }

  onRunEvents(listener: () => void): () => void {
    return this.#eventListeners.add(listener);
  }

  async deleteRunEventsBefore(before: number, limit: number): Promise<number> {
    this.#assertOpen();
    return this.#events.deleteBefore(before, limit);
  }

  // --- Inbound triggers ---------------------------------------------------------------------------

  async createTrigger(trigger: TriggerRecord): Promise<{ trigger: TriggerRecord; created: boolean }> {
    this.#assertOpen();
    return this.#triggers.create(trigger);
  }

  async getTrigger(id: string): Promise<TriggerRecord | undefined> {
    this.#assertOpen();
    return this.#triggers.get(id);
  }

  async listTriggers(dag: DagRef): Promise<TriggerRecord[]> {
    this.#assertOpen();
    return this.#triggers.list(dag);
  }

  async setTriggerSecrets(
    id: string,
    secrets: readonly TriggerSecret[],
    now: number,
  ): Promise<TriggerRecord | undefined> {
    this.#assertOpen();
    return this.#triggers.setSecrets(id, secrets, now);
  }

  async deleteTrigger(id: string): Promise<boolean> {
    this.#assertOpen();
    return this.#triggers.delete(id);
  }

  async recordTriggerMessage(
    triggerId: string,
    messageId: string,
    expiresAt: number,
    now: number,
  ): Promise<boolean> {
    this.#assertOpen();
    return this.#triggers.recordMessage(triggerId, messageId, expiresAt, now);
  }

  // --- Backfills -----------------------------------------------------------------------------------

  async createBackfill(backfill: BackfillRecord): Promise<BackfillRecord> {
    this.#assertOpen();
    return this.#backfills.create(backfill);
  }

  async getBackfill(id: string): Promise<BackfillRecord | undefined> {
    this.#assertOpen();
    return this.#backfills.get(id);
  }

  async listBackfills(dag: DagRef, limit: number): Promise<BackfillRecord[]> {
    this.#assertOpen();
    return this.#backfills.list(dag, limit);
  }

  async listRunningBackfills(): Promise<BackfillRecord[]> {
    this.#assertOpen();
    return this.#backfills.running();
  }

  async updateBackfill(
    id: string,
    expectRevision: number,
    change: BackfillChange,
    now: number,
  ): Promise<BackfillRecord | undefined> {
    this.#assertOpen();
    return this.#backfills.update(id, expectRevision, change, now);
  }

  // --- Shared tasks --------------------------------------------------------------------------------

  async putDagTaskVersion(
    input: PutDagTaskInput,
  ): Promise<{ task: DagTaskRecord; version: DagTaskVersion; created: boolean }> {
    this.#assertOpen();
    return this.#dagTasks.put(input);
  }

  async getDagTask(ref: DagTaskRef): Promise<DagTaskRecord | undefined> {
    this.#assertOpen();
    return this.#dagTasks.get(ref);
  }

  async listDagTasks(namespace: string): Promise<DagTaskRecord[]> {
    this.#assertOpen();
    return this.#dagTasks.list(namespace);
  }

  async getDagTaskVersion(ref: DagTaskRef, version: number): Promise<DagTaskVersion | undefined> {
    this.#assertOpen();
    return this.#dagTasks.version(ref, version);
  }

  async listDagTaskVersions(ref: DagTaskRef): Promise<DagTaskVersion[]> {
    this.#assertOpen();
    return this.#dagTasks.versions(ref);
  }

  async deleteDagTask(ref: DagTaskRef): Promise<boolean> {
    this.#assertOpen();
    return this.#dagTasks.delete(ref);
  }

  // --- Run limits ---------------------------------------------------------------------------------

  async getNamespaceLimits(namespace: string): Promise<NamespaceLimits | undefined> {
    this.#assertOpen();
    return this.#limits.get(namespace);
  }

  async setNamespaceLimits(input: SetNamespaceLimitsInput): Promise<NamespaceLimits> {
    this.#assertOpen();
    return this.#limits.set(input);
  }

  async admitQueuedRuns(namespace: string): Promise<RunRecord[]> {
    this.#assertOpen();
    const admissible = this.#limits.admissible(this.#runs, namespace, (name) => {
      const dag = this.#dags.get({ namespace, name });
      if (dag === undefined) return undefined;
      return this.#dags.version({ namespace, name }, dag.latestVersion)?.spec.maxActiveRuns;
    });
    const admitted: RunRecord[] = [];
    for (const run of admissible) {
      const next = frozenRun({
        ...run,
        state: transitionRun(run.state, 'pending'),
        revision: run.revision + 1,
      });
      this.#runs.writeRun(next);
      admitted.push(next);
    }
    return admitted;
  }

  async listQueuedNamespaces(limit: number): Promise<string[]> {
    this.#assertOpen();
    const namespaces = new Set<string>();
    for (const id of this.#runs.activeRunIds()) {
      const run = this.#runs.run(id);
      if (run?.state === 'queued') namespaces.add(run.namespace);
    }
    return [...namespaces].sort().slice(0, Math.max(0, limit));
  }

  async queuePositions(runIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    this.#assertOpen();
    return this.#limits.positions(this.#runs, runIds);
  }

  // --- Lifecycle ----------------------------------------------------------------------------------

  async ping(): Promise<void> {
    this.#assertOpen();
  }

  /** Closes the store: listeners are dropped and every later call rejects with STORE_UNAVAILABLE. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#work.clear();
    this.#outboxListeners.clear();
    this.#eventListeners.clear();
  }

  #journal(events: readonly RunEventInput[]): void {
    if (events.length > 0 && this.#events.append(events) > 0) this.#eventListeners.notify();
  }

  #enqueueOutbox(messages: readonly OutboxMessage[]): void {
    if (this.#outbox.enqueue(messages) > 0) this.#outboxListeners.notify();
  }

  #assertOpen(): void {
    if (this.#closed) throw Errors.storeUnavailable('the memory store is closed');
  }
}
