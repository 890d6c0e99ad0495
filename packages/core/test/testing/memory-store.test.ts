import { describe, expect, it } from 'vitest';
import { KontrolerError } from '../../src/index.js';
import { createMemoryStore, makeRun, storeContractSuite } from '../../src/testing/index.js';

storeContractSuite(() => createMemoryStore(), { name: 'memory' });

describe('MemoryStore', () => {
  it('rejects every call with STORE_UNAVAILABLE once closed', async () => {
    const store = createMemoryStore();
    await store.close();
    await expect(store.ping()).rejects.toSatisfy((error) => KontrolerError.is(error, 'STORE_UNAVAILABLE'));
    await expect(store.getRun('x')).rejects.toSatisfy((error) =>
      KontrolerError.is(error, 'STORE_UNAVAILABLE'),
    );
  });

  it('refuses a second run with the same id', async () => {
    const store = createMemoryStore();
    const run = makeRun();
    await store.createRun({ run, attempts: [] });
    await expect(store.createRun({ run, attempts: [] })).rejects.toSatisfy((error) =>
      KontrolerError.is(error, 'CONFLICT'),
    );
  });

  it('refuses a cursor it did not make', async () => {
    const store = createMemoryStore();
    await expect(store.listRuns({}, { limit: 10, cursor: 'not-a-cursor' })).rejects.toSatisfy((error) =>
      KontrolerError.is(error, 'PARAMETER_INVALID'),
    );
  });
});
