/**
 * The engine's caches: run snapshots it is working on (kept in step with its own commits through
 * `applyRunCommit`, dropped on any conflict) and compiled DAG versions (immutable, so kept).
 */
import type { CompiledDag } from '../dag/compiled.js';
import { compileDag } from '../dag/index.js';
import { Errors } from '../errors/kontroler-error.js';
import type { AttemptRecord, RunSnapshot } from '../model/records.js';
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

export interface LoadedRun {
  readonly snapshot: RunSnapshot;
  readonly dag: CompiledDag;
  /** True when the snapshot was just read from the store (not the cache). */
  readonly fresh: boolean;
}

export class RunCache {
  readonly #runs: Lru<string, RunSnapshot>;
  readonly #dags = new Lru<string, Promise<CompiledDag>>(1000);
  /** Attempts this worker claimed and still executes, by run. */
  readonly #claimed = new Map<string, Map<string, AttemptRecord>>();

  constructor(
    private readonly store: Store,
    runCapacity = 10_000,
  ) {
    this.#runs = new Lru(runCapacity);
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
      this.set(snapshot);
      snapshot = this.#runs.get(runId) ?? snapshot;
    }
    const dag = await this.dag(snapshot.run.dagName, snapshot.run.dagVersion);
    return { snapshot, dag, fresh };
  }

  /** A compiled DAG version; versions never change, so the promise is cached. */
  dag(name: string, version: number): Promise<CompiledDag> {
    const key = `${name}@${version}`;
    let compiled = this.#dags.get(key);
    if (compiled === undefined) {
      compiled = this.store.getDagVersion(name, version).then((found) => {
        if (found === undefined) throw Errors.dagVersionNotFound(name, version);
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
    const claimed = this.#claimed.get(snapshot.run.id);
    this.#runs.set(snapshot.run.id, claimed === undefined ? snapshot : overlay(snapshot, claimed));
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
  let changed = false;
  const attempts = snapshot.attempts.map((attempt) => {
    const mine = claimed.get(attempt.id);
    if (mine === undefined || mine === attempt) return attempt;
    const older =
      attempt.state === 'ready' ||
      attempt.state === 'retrying' ||
      (attempt.state === 'running' &&
        attempt.leaseOwner !== mine.leaseOwner &&
        (attempt.leaseExpiresAt ?? 0) < (mine.leaseExpiresAt ?? 0));
    if (!older) return attempt;
    changed = true;
    return mine;
  });
  return changed ? { run: snapshot.run, attempts } : snapshot;
}
