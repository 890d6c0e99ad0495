/**
 * The engine's caches: run snapshots it is working on (kept in step with its own commits through
 * `applyRunCommit`, dropped on any conflict) and compiled DAG versions (immutable, so kept).
 *
 * Snapshots stay cached while their run is unfinished, even when no attempt of it executes here: reading
 * a whole run back from the store after every step cost more than the step itself. A cached snapshot may
 * be stale (another worker committed); every commit is guarded by the run's revision, so staleness shows
 * up as a conflict, and the lanes reload and replan. Finished runs are dropped at once, and the cache is
 * bounded by runs and by attempts (a few large runs weigh as much as many small ones).
 */
import type { CompiledDag } from '../dag/compiled.js';
import { compileDag } from '../dag/index.js';
import { Errors } from '../errors/kontroler-error.js';
import { dagKey, runDagRef, type DagRef } from '../model/dag-ref.js';
import { attemptPosition, derivePositions } from '../model/attempt-positions.js';
import type { AttemptRecord, RunSnapshot } from '../model/records.js';
import { TERMINAL_RUN_STATES } from '../model/states.js';
import type { Store } from '../ports/store.js';

/** A Map that forgets its least recently used entry beyond `capacity`. */
class Lru<K, V> {
  readonly #map = new Map<K, V>();
  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.capacity) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  get size(): number {
    return this.#map.size;
  }
}

/**
 * Run snapshots, least recently used first out, bounded by run count and by the attempts they hold
 * together (an attempt is what weighs: a run record is small next to a thousand attempts).
 */
class SnapshotLru {
  readonly #map = new Map<string, RunSnapshot>();
  #attempts = 0;
  constructor(
    private readonly maxRuns: number,
    private readonly maxAttempts: number,
  ) {}

  get(runId: string): RunSnapshot | undefined {
    const value = this.#map.get(runId);
    if (value !== undefined) {
      this.#map.delete(runId);
      this.#map.set(runId, value);
    }
    return value;
  }

  set(runId: string, snapshot: RunSnapshot): void {
    this.delete(runId);
    this.#map.set(runId, snapshot);
    this.#attempts += snapshot.attempts.length;
    // The newest entry is kept even when it alone exceeds the cap: the engine is working on it.
    while (this.#map.size > 1 && (this.#map.size > this.maxRuns || this.#attempts > this.maxAttempts)) {
      const oldest = this.#map.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
    }
  }

  delete(runId: string): void {
    const old = this.#map.get(runId);
    if (old === undefined) return;
    this.#map.delete(runId);
    this.#attempts -= old.attempts.length;
  }

  get size(): number {
    return this.#map.size;
  }
}

export interface LoadedRun {
  readonly snapshot: RunSnapshot;
  readonly dag: CompiledDag;
  /** True when the snapshot was just read from the store (not the cache). */
  readonly fresh: boolean;
}

export class RunCache {
  readonly #runs: SnapshotLru;
  readonly #dags = new Lru<string, Promise<CompiledDag>>(1000);
  /** Attempts this worker claimed and still executes, by run. */
  readonly #claimed = new Map<string, Map<string, AttemptRecord>>();

  constructor(
    private readonly store: Store,
    runCapacity = 10_000,
    attemptCapacity = 200_000,
  ) {
    this.#runs = new SnapshotLru(runCapacity, attemptCapacity);
  }

  /** The run and its compiled DAG version, from the cache when possible. */
  async load(runId: string, options?: { fresh?: boolean }): Promise<LoadedRun | undefined> {
    let snapshot = options?.fresh === true ? undefined : this.#runs.get(runId);
    const fresh = snapshot === undefined;
    if (snapshot === undefined) {
      snapshot = await this.store.getRunSnapshot(runId);
      if (snapshot === undefined) {
        this.#runs.delete(runId);
        return undefined;
      }
      const read = snapshot;
      this.set(read);
      snapshot = this.#runs.get(runId) ?? this.#overlaid(read);
    }
    const dag = await this.dag(runDagRef(snapshot.run), snapshot.run.dagVersion);
    return { snapshot, dag, fresh };
  }

  /** A compiled DAG version; versions never change, so the promise is cached. */
  dag(ref: DagRef, version: number): Promise<CompiledDag> {
    const key = `${dagKey(ref)}@${version}`;
    let compiled = this.#dags.get(key);
    if (compiled === undefined) {
      compiled = this.store.getDagVersion(ref, version).then((found) => {
        if (found === undefined) throw Errors.dagVersionNotFound(dagKey(ref), version);
        return compileDag(found.spec);
      });
      compiled.catch(() => this.#dags.delete(key));
      this.#dags.set(key, compiled);
    }
    return compiled;
  }

  /**
   * Caches a snapshot. Attempts this worker claimed are laid over it: a snapshot computed from an older
   * cached state (a commit that was in flight during the claim) may still show them `ready`.
   */
  set(snapshot: RunSnapshot): void {
    // A finished run changes no more (a retry reloads it fresh): keeping it would only hold memory.
    if (TERMINAL_RUN_STATES.has(snapshot.run.state)) this.#runs.delete(snapshot.run.id);
    else this.#runs.set(snapshot.run.id, this.#overlaid(snapshot));
  }

  #overlaid(snapshot: RunSnapshot): RunSnapshot {
    const claimed = this.#claimed.get(snapshot.run.id);
    return claimed === undefined ? snapshot : overlay(snapshot, claimed);
  }

  /** Drops the cached snapshot (claims still executing here stay recorded until `release`). */
  forget(runId: string): void {
    this.#runs.delete(runId);
  }

  /** Records attempts this worker claimed (the store changed them outside `commitRun`). */
  patchAttempts(runId: string, attempts: readonly AttemptRecord[]): void {
    let claimed = this.#claimed.get(runId);
    if (claimed === undefined) this.#claimed.set(runId, (claimed = new Map()));
    for (const attempt of attempts) claimed.set(attempt.id, attempt);
    const snapshot = this.#runs.get(runId);
    if (snapshot !== undefined) this.#runs.set(runId, overlay(snapshot, claimed));
  }

  /** The attempt is no longer executed here: snapshots need no overlay for it any more. */
  release(runId: string, attemptId: string): void {
    const claimed = this.#claimed.get(runId);
    if (claimed === undefined) return;
    claimed.delete(attemptId);
    if (claimed.size === 0) this.#claimed.delete(runId);
  }

  get size(): number {
    return this.#runs.size;
  }
}

/**
 * Replaces attempts by their claimed rows where the snapshot predates the claim: it shows them `ready` or
 * `retrying` (a claimed attempt never goes back), or running under an older lease (a reclaim).
 */
function overlay(snapshot: RunSnapshot, claimed: ReadonlyMap<string, AttemptRecord>): RunSnapshot {
  // Runs on every commit of a run with attempts executing here: the few claimed attempts are found
  // through the list's position index (not a pass over the run), and the list is copied only when
  // something changes.
  let attempts: AttemptRecord[] | null = null;
  const list = snapshot.attempts;
  for (const [id, mine] of claimed) {
    const i = attemptPosition(list, id);
    if (i < 0) continue;
    const attempt = list[i] as AttemptRecord;
    if (mine === attempt) continue;
    const older =
      attempt.state === 'ready' ||
      attempt.state === 'retrying' ||
      attempt.state === 'awaiting' ||
      (attempt.state === 'running' &&
        attempt.leaseOwner !== mine.leaseOwner &&
        (attempt.leaseExpiresAt ?? 0) < (mine.leaseExpiresAt ?? 0));
    if (!older) continue;
    attempts ??= list.slice();
    attempts[i] = mine;
  }
  if (attempts === null) return snapshot;
  derivePositions(list, attempts);
  return { run: snapshot.run, attempts };
}
