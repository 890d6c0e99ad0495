/**
 * `Admission`: starts queued runs when slots free (docs/run-limits.md). The store decides which
 * queued runs fit, atomically (`admitQueuedRuns`); this carries out the rest: each admitted run is planned
 * at once through its lane, which makes it `running` and its first tasks ready. Requests for a namespace
 * whose admission is in flight are coalesced into one more pass after it, so a burst of finishing runs
 * costs a few passes, not one each.
 *
 * It runs where slots change: after a submit that queued a run, after a commit that ends a run holding a
 * slot (in whichever process made it, worker or API), when an admin changes a namespace's limits, and on a
 * worker's poll as a sweep (a process that died between a run's end and its admission leaves nothing stuck).
 */
import type { Logger } from '../ports/logger.js';
import type { Store } from '../ports/store.js';
import type { RunCache } from './run-cache.js';
import type { RunLanes } from './run-lanes.js';

/** Namespaces a sweep looks at, at most (the rest at the next sweep). */
const SWEEP_NAMESPACES = 100;

interface InFlight {
  again: boolean;
  readonly done: Promise<void>;
}

export interface AdmissionDeps {
  readonly store: Store;
  readonly lanes: RunLanes;
  readonly cache: RunCache;
  readonly logger: Logger;
  readonly reportError: (error: unknown, context: string) => void;
}

export class Admission {
  readonly #inFlight = new Map<string, InFlight>();
  #closed = false;

  constructor(private readonly deps: AdmissionDeps) {}

  /**
   * Admits what fits in `namespace` and plans it; never rejects (errors are reported; a sweep retries).
   * Once closed it does nothing: the queued runs wait for the next sweep (any worker's poll, or a restart).
   */
  request(namespace: string): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const current = this.#inFlight.get(namespace);
    if (current !== undefined) {
      current.again = true;
      return current.done;
    }
    const entry: { again: boolean; done?: Promise<void> } = { again: false };
    entry.done = this.#passes(namespace, entry).finally(() => this.#inFlight.delete(namespace));
    this.#inFlight.set(namespace, entry as InFlight);
    return entry.done;
  }

  /** Admits in every namespace that has queued runs. */
  async sweep(): Promise<void> {
    let namespaces: string[];
    try {
      namespaces = await this.deps.store.listQueuedNamespaces(SWEEP_NAMESPACES);
    } catch (error) {
      this.deps.reportError(error, 'admission-sweep');
      return;
    }
    await Promise.all(namespaces.map((namespace) => this.request(namespace)));
  }

  /** Resolves when no admission is in flight. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()].map((e) => e.done));
  }

  /**
   * Starts no pass from now on and resolves when the passes in flight are done. A commit still in flight
   * when its owner stops may end a run that held a slot; without this its admission would start after
   * the owner had waited for admissions, and run against a store closed by then.
   */
  close(): Promise<void> {
    this.#closed = true;
    return this.idle();
  }

  async #passes(namespace: string, entry: { again: boolean }): Promise<void> {
    const { store, lanes, cache, logger, reportError } = this.deps;
    do {
      entry.again = false;
      try {
        const admitted = await store.admitQueuedRuns(namespace);
        if (admitted.length > 0) logger.debug({ namespace, runs: admitted.length }, 'queued runs admitted');
        await Promise.all(
          admitted.map((run) => {
            // The cached snapshot still says queued; the planner must see the admitted run.
            cache.forget(run.id);
            return lanes.replan(run.id).catch((error: unknown) => reportError(error, `replan:${run.id}`));
          }),
        );
      } catch (error) {
        reportError(error, `admission:${namespace}`);
        return;
      }
    } while (entry.again);
  }
}
