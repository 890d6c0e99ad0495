/**
 * Every change the engine makes to a run goes through that run's lane: one change at a time per run, and
 * outcomes that arrive while a commit is in flight are batched into the next one. A batch is: record the
 * outcomes, plan on the result, and write outcomes + decisions + outbox messages in ONE `writeRun`
 * guarded by the run's revision. On a conflict the snapshot is reloaded and the batch redone.
 *
 * The run service owns the lanes; a worker in the same process observes them (`observe`) to carry out
 * what a commit decided (aborts, timers, claims).
 *
 * Claim in commit: when an observer has free slots (`reserve`), the attempts a commit makes `ready` are
 * also claimed by that commit (a second change of each attempt, `ready → running` under the observer's
 * lease, as `claimAttempts` would write it) and announced (`task.started`, journaled and in the outbox
 * under the same keys as a worker's own announcement), so the successor of a finished task starts without
 * another round trip to the store. The claim is an ordinary lease: renewed, fenced and reclaimed after a
 * crash like any other.
 */
import type { CompiledDag } from '../dag/compiled.js';
import { Errors } from '../errors/kontroler-error.js';
import { applyRunCommit } from '../model/apply-commit.js';
import { attemptIn } from '../model/attempt-positions.js';
import type { AttemptRecord, RunSnapshot } from '../model/records.js';
import { TERMINAL_RUN_STATES } from '../model/states.js';
import { addDecisions, outcomeChange, toCommit, type CommitParts } from '../planner/commit.js';
import type { Decision, RetryTiming } from '../planner/decisions.js';
import { RunPlanner } from '../planner/run-planner.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { TaskOutcome } from '../ports/runtime.js';
import type { Store } from '../ports/store.js';
import type { AttemptChange } from '../ports/store.js';
import type { NotifiableEvent } from '../plugins/types.js';
import { commitEvents } from './commit-events.js';
import type { RunCache } from './run-cache.js';
import type { RunWrite, RunWriteResult } from './run-writer.js';

/** Conflicting commits are redone this many times before the batch is given up (and replanned later). */
const MAX_COMMIT_TRIES = 8;

export interface Committed {
  readonly before: RunSnapshot;
  readonly after: RunSnapshot;
  readonly dag: CompiledDag;
  readonly decisions: readonly Decision[];
  readonly events: readonly NotifiableEvent[];
  readonly wakeAt: number | null;
  /**
   * The store signalled `onWork` to this observer while the commit was in flight. Our stores signal after
   * their own commits that make work claimable, so the claim that signal started (or queued) already sees it.
   */
  readonly workSignalled: boolean;
  /** Ids of the attempts this commit claimed for this observer (see `LaneObserver.reserve`). */
  readonly claimed: ReadonlySet<string>;
}

/**
 * Slots an observer set aside for the attempts a commit makes ready. Settled exactly once: with the
 * attempts the commit claimed (`running`, leased to `owner`), or with none when nothing was written.
 */
export interface ClaimReservation {
  /** The lease owner the claims are made for. */
  readonly owner: string;
  readonly leaseMs: number;
  /** At most this many attempts are claimed. */
  readonly slots: number;
  settle(claimed: readonly AttemptRecord[]): void;
}

/** What a worker in the same process learns from the lanes (the run service alone needs none). */
export interface LaneObserver {
  /** After every successful commit of a lane (carry out aborts, arm timers, claim). */
  committed(committed: Committed): void;
  /** A planned batch found nothing to write (still arms the wake-up). */
  planned(runId: string, wakeAt: number | null, decisions: readonly Decision[]): void;
  /** A batch was given up after repeated conflicts or store errors (replan later). */
  gaveUp(runId: string, error: unknown): void;
  /** How many `onWork` signals the store has sent this observer so far. */
  workSignals(): number;
  /**
   * Offers to claim up to `wanted` attempts that the commit being prepared makes ready; null when the
   * observer has no free slot (or does not execute attempts). The lanes settle what it returns.
   */
  reserve?(wanted: number): ClaimReservation | null;
}

export interface RunLanesDeps {
  readonly store: Store;
  readonly cache: RunCache;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timing: RetryTiming;
  readonly newId: () => string;
  /** The one way a change reaches the store (`writeRun` with its dependencies bound). */
  readonly write: (change: RunWrite) => Promise<RunWriteResult>;
  /** Told when a batch is given up (besides the observers). */
  readonly reportError: (error: unknown, context: string) => void;
}

interface PendingOutcome {
  readonly attemptId: string;
  /** The lease owner that executed the attempt: only its outcome is recorded. */
  readonly owner: string;
  readonly outcome: TaskOutcome;
  readonly finishedAt: number;
}

interface Batch {
  readonly outcomes: PendingOutcome[];
  cancel: boolean;
  readonly result: Promise<BatchResult>;
}

export interface BatchResult {
  readonly snapshot: RunSnapshot | undefined;
  readonly recorded: ReadonlySet<string>;
}

export class RunLanes {
  readonly #lanes = new Map<string, Promise<unknown>>();
  readonly #queued = new Map<string, Batch>();
  readonly #observers = new Set<LaneObserver>();
  /** Plans each run from its previous plan: a commit changes a few tasks of a run that may have thousands. */
  readonly #planner = new RunPlanner();

  constructor(private readonly deps: RunLanesDeps) {}

  /** Tells `observer` about every commit from now on; returns the function that stops it. */
  observe(observer: LaneObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /**
   * Records an outcome of an attempt leased to `owner` (batched with others of the run); resolves with
   * whether it was recorded.
   */
  async outcome(runId: string, attemptId: string, owner: string, outcome: TaskOutcome): Promise<boolean> {
    const batch = this.#batch(runId);
    batch.outcomes.push({ attemptId, owner, outcome, finishedAt: this.deps.clock.now() });
    const result = await batch.result;
    return result.recorded.has(attemptId);
  }

  /** Plans the run again (resume, deadlines) and commits what the planner decides. */
  async replan(runId: string): Promise<RunSnapshot | undefined> {
    return (await this.#batch(runId).result).snapshot;
  }

  /** Sets `cancelRequested` and plans, in one commit. A finished run is refused (RUN_FINISHED). */
  async cancel(runId: string): Promise<RunSnapshot> {
    const current = await this.deps.store.getRun(runId);
    if (current === undefined) throw Errors.runNotFound(runId);
    if (TERMINAL_RUN_STATES.has(current.state)) throw Errors.runFinished(runId, current.state);
    const batch = this.#batch(runId);
    batch.cancel = true;
    const { snapshot } = await batch.result;
    if (snapshot === undefined) throw Errors.runNotFound(runId);
    return snapshot;
  }

  /** Runs `fn` alone in the run's lane (after everything queued before it). */
  exclusive<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    return this.#enqueue(runId, fn);
  }

  /** Resolves once every lane is idle. */
  async idle(): Promise<void> {
    while (this.#lanes.size > 0) await Promise.allSettled([...this.#lanes.values()]);
  }

  #enqueue<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#lanes.get(runId) ?? Promise.resolve();
    const next = previous.then(fn);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.#lanes.set(runId, tail);
    void tail.then(() => {
      if (this.#lanes.get(runId) === tail) this.#lanes.delete(runId);
    });
    return next;
  }

  #batch(runId: string): Batch {
    const queued = this.#queued.get(runId);
    if (queued !== undefined) return queued;
    const outcomes: PendingOutcome[] = [];
    const holder: { batch?: Batch } = {};
    const result = this.#enqueue(runId, () => {
      this.#queued.delete(runId);
      return this.#flush(runId, holder.batch as Batch);
    });
    const batch: Batch = { outcomes, cancel: false, result };
    holder.batch = batch;
    this.#queued.set(runId, batch);
    return batch;
  }

  async #flush(runId: string, batch: Batch): Promise<BatchResult> {
    const { cache, clock, logger } = this.deps;
    let fresh = false;
    let lastError: unknown = null;
    for (let tries = 0; tries < MAX_COMMIT_TRIES; tries++) {
      const loaded = await cache.load(runId, { fresh });
      if (loaded === undefined) return { snapshot: undefined, recorded: new Set() };
      const { snapshot, dag } = loaded;
      const now = clock.now();
      const parts: CommitParts = { attempts: [], newAttempts: [] };
      const recorded: string[] = [];
      let stale = false;
      for (const pending of batch.outcomes) {
        const current = attemptIn(snapshot.attempts, pending.attemptId);
        if (current?.state === 'running' && current.leaseOwner === pending.owner) {
          parts.attempts.push(
            outcomeChange(pending.attemptId, pending.outcome, pending.finishedAt, pending.owner),
          );
          recorded.push(pending.attemptId);
        } else if (!loaded.fresh) stale = true;
        else
          logger.warn(
            { runId, attemptId: pending.attemptId },
            'outcome dropped: the attempt is no longer ours',
          );
      }
      if (stale) {
        fresh = true;
        continue;
      }
      const cancel =
        batch.cancel && !snapshot.run.cancelRequested && !TERMINAL_RUN_STATES.has(snapshot.run.state);
      if (cancel) parts.run = { cancelRequested: true };

      let planned = snapshot;
      const head = toCommit(snapshot, parts);
      if (head !== null) {
        const applied = applyRunCommit(snapshot, head);
        if (applied === 'conflict') {
          fresh = true;
          continue;
        }
        planned = applied;
      }
      const result = this.#planner.plan(dag, planned, now, { timing: this.deps.timing });
      // The decisions touch other attempts than the outcomes do, so applying them on top of `planned`
      // equals applying the whole commit to `snapshot` (one revision step, not two).
      const decided = addDecisions(
        { attempts: [], newAttempts: [] },
        planned,
        result.decisions,
        now,
        this.deps.newId,
      );
      if (decided.run !== undefined) parts.run = { ...parts.run, ...decided.run };
      parts.attempts.push(...decided.attempts);
      parts.newAttempts.push(...decided.newAttempts);
      const claim = this.#claim(result.decisions, now);
      parts.attempts.push(...claim.changes);
      const commit = toCommit(snapshot, parts);
      if (commit === null) {
        // Nothing to write, so no revision guard checked the cached snapshot: plan once more on the
        // store's copy before concluding that nothing is due (another worker may have moved the run).
        if (!loaded.fresh) {
          fresh = true;
          continue;
        }
        for (const observer of this.#observers) observer.planned(runId, result.wakeAt, result.decisions);
        return { snapshot, recorded: new Set() };
      }
      // The whole commit applied to `snapshot`: one revision step, where applying the decisions on top of
      // `planned` took a second one and then a copy of the run to undo it. The claims are in it too, as the
      // store applies them (two changes to one attempt apply in order).
      const nothingDecided =
        decided.run === undefined && decided.attempts.length === 0 && decided.newAttempts.length === 0;
      const after = nothingDecided && claim.changes.length === 0 ? planned : applyRunCommit(snapshot, commit);
      // With claims, the planner's events describe the attempts as the decisions left them (`ready`).
      const rest = claim.changes.length === 0 ? null : toCommit(planned, decided);
      const readyView =
        claim.changes.length === 0 ? null : rest === null ? planned : applyRunCommit(planned, rest);
      if (after === 'conflict' || readyView === 'conflict') {
        claim.reservation?.settle([]);
        fresh = true;
        continue;
      }
      const observers: LaneObserver[] = [];
      const signalsBefore: number[] = [];
      for (const observer of this.#observers) {
        observers.push(observer);
        signalsBefore.push(observer.workSignals());
      }
      let written: RunWriteResult;
      try {
        written = await this.deps.write({
          kind: 'commit',
          before: snapshot,
          commit,
          after,
          dag,
          now,
          events: (next) => {
            const events = commitEvents(
              readyView === null ? next : { run: next.run, attempts: readyView.attempts },
              recorded,
              result.decisions,
              parts.newAttempts,
              dag,
            );
            if (claim.changes.length === 0) return events;
            for (const change of claim.changes) {
              const attempt = attemptIn(next.attempts, change.id);
              if (attempt !== undefined)
                events.push({ name: 'task.started', payload: { run: next.run, attempt } });
            }
            return events;
          },
        });
      } catch (error) {
        claim.reservation?.settle([]);
        lastError = error;
        fresh = true;
        logger.warn({ err: error, runId }, 'commit failed; retrying');
        continue;
      }
      if (written.status === 'written') {
        const claimedIds = claim.changes.length === 0 ? NONE : new Set(claim.changes.map((c) => c.id));
        if (claim.reservation !== null) {
          const mine: AttemptRecord[] = [];
          for (const change of claim.changes) {
            const attempt = attemptIn(written.after.attempts, change.id);
            if (attempt !== undefined) mine.push(attempt);
          }
          claim.reservation.settle(mine);
        }
        for (let o = 0; o < observers.length; o++) {
          const observer = observers[o] as LaneObserver;
          observer.committed({
            before: snapshot,
            after: written.after,
            dag,
            decisions: result.decisions,
            events: written.events,
            wakeAt: result.wakeAt,
            workSignalled: observer.workSignals() !== signalsBefore[o],
            claimed: claim.observer === observer ? claimedIds : NONE,
          });
        }
        // A fan-out or exit handlers were just created, or a fan-out settled: plan again at once
        // (docs/flow/). Here rather than in the worker, so a run service hosted alone does it too.
        const more = result.decisions.some((d) => d.kind === 'add' || d.kind === 'settle');
        if (more && !TERMINAL_RUN_STATES.has(written.after.run.state)) {
          this.replan(runId).catch((error: unknown) => this.deps.reportError(error, `replan:${runId}`));
        }
        return { snapshot: written.after, recorded: new Set(recorded) };
      }
      claim.reservation?.settle([]);
      if (written.status === 'not-found') return { snapshot: undefined, recorded: new Set() };
      logger.debug({ runId, tries }, 'run changed concurrently; replanning');
      fresh = true;
    }
    const error = lastError ?? Errors.conflict('run', runId);
    this.deps.reportError(error, `commit:${runId}`);
    for (const observer of this.#observers) observer.gaveUp(runId, error);
    return { snapshot: undefined, recorded: new Set() };
  }

  /**
   * The claims a commit makes for the first observer with free slots: the attempts `decisions` make ready,
   * in decision order, as far as its slots go.
   */
  #claim(decisions: readonly Decision[], now: number): Claim {
    let readied: string[] | undefined;
    for (const d of decisions) if (d.kind === 'ready') (readied ??= []).push(d.attemptId);
    if (readied === undefined) return NO_CLAIM;
    for (const observer of this.#observers) {
      const reservation = observer.reserve?.(readied.length) ?? null;
      if (reservation === null) continue;
      if (reservation.slots <= 0) {
        reservation.settle([]);
        continue;
      }
      const leaseExpiresAt = now + reservation.leaseMs;
      const changes = readied.slice(0, reservation.slots).map((id): AttemptChange => ({
        id,
        expectState: 'ready',
        set: { state: 'running', leaseOwner: reservation.owner, leaseExpiresAt, startedAt: now },
      }));
      return { observer, reservation, changes };
    }
    return NO_CLAIM;
  }
}

interface Claim {
  readonly observer: LaneObserver | null;
  readonly reservation: ClaimReservation | null;
  /** `ready → running` under the reservation's lease, one per claimed attempt. */
  readonly changes: readonly AttemptChange[];
}

const NO_CLAIM: Claim = { observer: null, reservation: null, changes: [] };
const NONE: ReadonlySet<string> = new Set();
