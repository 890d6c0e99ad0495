/**
 * Per-test store lifecycle and seeding helpers shared by the contract files. Everything a test creates
 * is named uniquely, so the suite also runs against one shared database.
 */
import { afterEach, beforeEach } from 'vitest';
import { DEFAULT_NAMESPACE, type DagRef } from '../../model/dag-ref.js';
import type { AttemptRecord, OutboxMessage, RunRecord } from '../../model/records.js';
import type { ClaimedAttempt, Store } from '../../ports/store.js';
import { makeAttempt, makeRun, uniqueName } from '../builders.js';

/** Options of `storeContractSuite`. */
export interface StoreContractOptions {
  /**
   * Called after each test with the store it used, instead of `store.close()`: drop a schema, truncate
   * tables, return a pooled connection. @default store.close()
   */
  readonly cleanup?: (store: Store) => Promise<void>;
  /** Shown in the suite's name, e.g. `postgres`. @default none */
  readonly name?: string;
}

/** The DAG `name` in the namespace the builders use. */
export const inDefault = (name: string): DagRef => ({ namespace: DEFAULT_NAMESPACE, name });

export type MakeStore = () => Promise<Store> | Store;

/** The store of the running test. */
export interface StoreFixture {
  readonly store: Store;
}

/** Registers hooks that give each test a store of its own and clean it up afterwards. */
export function useStore(makeStore: MakeStore, options: StoreContractOptions): StoreFixture {
  let current: Store | undefined;
  beforeEach(async () => {
    current = await makeStore();
  });
  afterEach(async () => {
    const store = current;
    current = undefined;
    if (store === undefined) return;
    if (options.cleanup) await options.cleanup(store);
    else await store.close();
  });
  return {
    get store(): Store {
      if (current === undefined) throw new Error('the contract store is only available inside a test');
      return current;
    },
  };
}

export interface SeedRunInput {
  readonly run?: Partial<RunRecord>;
  /** One attempt per entry; `runId` is filled in. */
  readonly attempts?: ReadonlyArray<Partial<AttemptRecord>>;
  readonly outbox?: readonly OutboxMessage[];
}

/** Creates a run (of a uniquely named DAG unless given) with its attempts; returns what was written. */
export async function seedRun(
  store: Store,
  input: SeedRunInput = {},
): Promise<{ run: RunRecord; attempts: AttemptRecord[] }> {
  const run = makeRun({ dagName: uniqueName('run'), ...input.run });
  const attempts = (input.attempts ?? []).map((overrides, index) =>
    makeAttempt({ taskName: `task-${index}`, ...overrides, runId: run.id }),
  );
  const result = await store.createRun({ run, attempts, outbox: input.outbox ?? [] });
  return { run: result.run, attempts };
}

/** Claims until nothing is left at `now`; returns everything claimed, in order. */
export async function drainClaims(
  store: Store,
  owner: string,
  now: number,
  leaseMs = 60_000,
): Promise<ClaimedAttempt[]> {
  const claimed: ClaimedAttempt[] = [];
  for (;;) {
    const batch = await store.claimAttempts({ owner, limit: 500, leaseMs, now });
    if (batch.length === 0) return claimed;
    claimed.push(...batch);
  }
}

/** Resolves on the next call of a listener registered with `subscribe`; then unsubscribes. */
export function nextCall(subscribe: (listener: () => void) => () => void): Promise<void> {
  return new Promise((resolve) => {
    let called = false;
    const unsubscribe = subscribe(() => {
      if (called) return;
      called = true;
      // A store may call back before `subscribe` returns; unsubscribe once it has.
      queueMicrotask(() => unsubscribe());
      resolve();
    });
  });
}

/** Sorted copy, for comparing id lists whose order the port does not define. */
export function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}
