/**
 * `storeContractSuite(makeStore)`: the behaviour every `Store` must have, as vitest tests. MemoryStore
 * and the PostgreSQL store both run it unchanged. It tests the port only: no store internals.
 */
import { describe, expect, it } from 'vitest';
import { aggregateContract } from './aggregates.contract.js';
import { backfillContract } from './backfills.contract.js';
import { commitContract } from './commit.contract.js';
import { dagTaskContract } from './dag-tasks.contract.js';
import { dagContract } from './dags.contract.js';
import { useStore, type MakeStore, type StoreContractOptions } from './fixture.js';
import { limitContract } from './limits.contract.js';
import { logContract } from './logs.contract.js';
import { outboxContract } from './outbox.contract.js';
import { queueContract } from './queue.contract.js';
import { retentionContract } from './retention.contract.js';
import { runEventContract } from './run-events.contract.js';
import { runContract } from './runs.contract.js';
import { transitionContract } from './transitions.contract.js';
import { triggerContract } from './triggers.contract.js';

/**
 * Registers the Store contract tests in the calling test file. `makeStore` is called before each test
 * and the store is cleaned up after it (`options.cleanup`, else `close()`). Every test names its DAGs,
 * runs, topics and keys uniquely, so the store may be shared between tests (one database); tests that
 * claim work first drain what is left claimable, so they must not run concurrently with other claimers
 * on the same store.
 */
export function storeContractSuite(makeStore: MakeStore, options: StoreContractOptions = {}): void {
  describe(options.name ? `Store contract (${options.name})` : 'Store contract', () => {
    const fixture = useStore(makeStore, options);
    dagContract(fixture);
    runContract(fixture);
    commitContract(fixture);
    transitionContract(fixture);
    queueContract(fixture);
    logContract(fixture);
    outboxContract(fixture);
    retentionContract(fixture);
    aggregateContract(fixture);
    runEventContract(fixture);
    triggerContract(fixture);
    backfillContract(fixture);
    dagTaskContract(fixture);
    limitContract(fixture);

    describe('lifecycle', () => {
      it('answers ping while open', async () => {
        await expect(fixture.store.ping()).resolves.toBeUndefined();
      });
    });
  });
}
