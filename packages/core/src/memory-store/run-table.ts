/**
 * Runs and their attempts, for the memory store, with the indexes that keep hot paths off full scans:
 * attempts by run, active runs, idempotency keys and the claim queue.
 */
import type { AttemptRecord, RunRecord, RunSnapshot } from '../model/records.js';
import { TERMINAL_RUN_STATES } from '../model/states.js';
import type { Page, PageRequest, RunFilter } from '../ports/store.js';
import { AttemptQueue } from './attempt-queue.js';
import { compareDescending, paginate, type Keyset } from './cursor.js';

/** Runs are listed newest first: (createdAt desc, id desc). */
const NEWEST_RUN_FIRST: Keyset<RunRecord> = {
  keyOf: (run) => [run.createdAt, run.id],
  shape: [0, ''],
  compare: compareDescending,
};

const idempotencyKeyOf = (namespace: string, key: string): string => `${namespace}\u0000${key}`;

export class RunTable {
  readonly #runs = new Map<string, RunRecord>();
  readonly #attempts = new Map<string, AttemptRecord>();
  /** Attempt ids per run, in the order they were created. */
  readonly #attemptIdsByRun = new Map<string, string[]>();
  /** Ids of runs not in a terminal state, in creation order. */
  readonly #activeRunIds = new Set<string>();
  /** Idempotency keys are per namespace: another team's key neither collides nor reveals its run. */
  readonly #runIdByIdempotencyKey = new Map<string, string>();
  readonly queue = new AttemptQueue();

  run(id: string): RunRecord | undefined {
    return this.#runs.get(id);
  }

  attempt(id: string): AttemptRecord | undefined {
    return this.#attempts.get(id);
  }

  runByIdempotencyKey(namespace: string, key: string): RunRecord | undefined {
    const id = this.#runIdByIdempotencyKey.get(idempotencyKeyOf(namespace, key));
    return id === undefined ? undefined : this.#runs.get(id);
  }

  /** Writes a run, new or changed (records must already be frozen). */
  writeRun(run: RunRecord): void {
    this.#runs.set(run.id, run);
    if (!this.#attemptIdsByRun.has(run.id)) this.#attemptIdsByRun.set(run.id, []);
    if (run.idempotencyKey !== null)
      this.#runIdByIdempotencyKey.set(idempotencyKeyOf(run.namespace, run.idempotencyKey), run.id);
    if (TERMINAL_RUN_STATES.has(run.state)) this.#activeRunIds.delete(run.id);
    else this.#activeRunIds.add(run.id);
  }

  /** Writes an attempt, new or changed, of a run already written (records must already be frozen). */
  writeAttempt(attempt: AttemptRecord): void {
    const previous = this.#attempts.get(attempt.id);
    this.#attempts.set(attempt.id, attempt);
    if (previous === undefined) this.#attemptIdsByRun.get(attempt.runId)?.push(attempt.id);
    this.queue.track(previous, attempt);
  }

  snapshot(runId: string): RunSnapshot | undefined {
    const run = this.#runs.get(runId);
    if (run === undefined) return undefined;
    return { run, attempts: this.attemptsOf(runId) };
  }

  attemptsOf(runId: string): AttemptRecord[] {
    const ids = this.#attemptIdsByRun.get(runId) ?? [];
    const attempts: AttemptRecord[] = [];
    for (const id of ids) {
      const attempt = this.#attempts.get(id);
      if (attempt !== undefined) attempts.push(attempt);
    }
    return attempts;
  }

  list(filter: RunFilter, page: PageRequest): Page<RunRecord> {
    const states = filter.states === undefined ? undefined : new Set(filter.states);
    const matches = [...this.#runs.values()].filter(
      (run) =>
        (filter.dag === undefined ||
          (run.namespace === filter.dag.namespace && run.dagName === filter.dag.name)) &&
        (filter.namespace === undefined || run.namespace === filter.namespace) &&
        (filter.namespaces === undefined || filter.namespaces.includes(run.namespace)) &&
        (states === undefined || states.has(run.state)) &&
        (filter.createdFrom === undefined || run.createdAt >= filter.createdFrom) &&
        (filter.createdTo === undefined || run.createdAt < filter.createdTo),
    );
    return paginate(matches, NEWEST_RUN_FIRST, page);
  }

  /** Every run, in no particular order. */
  allRuns(): IterableIterator<RunRecord> {
    return this.#runs.values();
  }

  activeRunIds(): string[] {
    return [...this.#activeRunIds];
  }

  /** Finished runs whose `finishedAt` is before `before`, oldest first, at most `limit`. */
  finishedBefore(before: number, limit: number): RunRecord[] {
    const finished: RunRecord[] = [];
    for (const run of this.#runs.values()) {
      if (TERMINAL_RUN_STATES.has(run.state) && run.finishedAt !== null && run.finishedAt < before) {
        finished.push(run);
      }
    }
    return finished.sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0)).slice(0, limit);
  }

  /** Deletes a run with its attempts; returns the ids of the attempts deleted. */
  deleteRun(runId: string): string[] {
    const run = this.#runs.get(runId);
    if (run === undefined) return [];
    const attemptIds = this.#attemptIdsByRun.get(runId) ?? [];
    for (const id of attemptIds) {
      this.queue.track(this.#attempts.get(id), undefined);
      this.#attempts.delete(id);
    }
    this.#runs.delete(runId);
    this.#attemptIdsByRun.delete(runId);
    this.#activeRunIds.delete(runId);
    if (run.idempotencyKey !== null) {
      const key = idempotencyKeyOf(run.namespace, run.idempotencyKey);
      if (this.#runIdByIdempotencyKey.get(key) === runId) this.#runIdByIdempotencyKey.delete(key);
    }
    return attemptIds;
  }
}
