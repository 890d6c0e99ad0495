import { describe, expect, it } from 'vitest';
import { KontrolerError } from '../../src/index.js';
import type { RunEventInput } from '../../src/ports/run-events.js';
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

  it('keeps the newest maxRunEvents journal rows across many appends (the cap drops the oldest, in order)', async () => {
    const store = createMemoryStore({ maxRunEvents: 3 });
    const run = makeRun();
    const row = (createdAt: number): RunEventInput => ({
      type: 'run.started',
      namespace: run.namespace,
      runId: run.id,
      attemptId: null,
      payload: { run },
      createdAt,
    });
    for (let i = 1; i <= 10; i++) await store.appendRunEvents(i % 4 === 0 ? [row(i), row(i)] : [row(i)]);
    // 12 rows written (ids 1-12, two each at 4 and 8); the last three are kept, as retention would keep them.
    const kept = await store.readRunEvents({ afterId: 0, limit: 100 });
    expect(kept.map((e) => [e.id, e.createdAt])).toEqual([
      [10, 8],
      [11, 9],
      [12, 10],
    ]);
    expect(await store.runEventBounds()).toEqual({ first: 10, last: 12 });
    expect((await store.readRunEvents({ afterId: 10, limit: 100 })).map((e) => e.id)).toEqual([11, 12]);
    expect(await store.deleteRunEventsBefore(9, 100)).toBe(1);
    expect((await store.readRunEvents({ afterId: 0, limit: 100 })).map((e) => e.id)).toEqual([11, 12]);
    await store.appendRunEvents([row(11), row(12)]);
    expect(await store.runEventBounds()).toEqual({ first: 12, last: 14 });
  });

  it('forgets the key of a journal row the cap or a prune dropped (the key set grew without bound)', async () => {
    const store = createMemoryStore({ maxRunEvents: 2 });
    const run = makeRun();
    const keyed = (key: string, createdAt = 1): RunEventInput => ({
      type: 'task.started',
      namespace: run.namespace,
      runId: run.id,
      attemptId: null,
      payload: { run },
      createdAt,
      key,
    });
    await store.appendRunEvents([keyed('a')]);
    await store.appendRunEvents([keyed('a')]);
    expect((await store.runEventBounds()).last).toBe(1);
    await store.appendRunEvents([keyed('b'), keyed('c')]);
    // 'a' fell out of the journal: appending it again writes a row, as it would in PostgreSQL.
    await store.appendRunEvents([keyed('a', 5)]);
    expect((await store.readRunEvents({ afterId: 0, limit: 10 })).map((e) => e.id)).toEqual([3, 4]);
    expect(await store.deleteRunEventsBefore(2, 10)).toBe(1);
    await store.appendRunEvents([keyed('c', 6), keyed('a', 6)]);
    expect((await store.readRunEvents({ afterId: 0, limit: 10 })).map((e) => e.id)).toEqual([4, 5]);
  });

  it('copies a run it is handed unless it is frozen all the way down, so a caller can never change it', async () => {
    const store = createMemoryStore();
    const loose = { ...makeRun(), labels: { team: 'a' } };
    await store.createRun({ run: loose, attempts: [] });
    (loose.labels as Record<string, string>).team = 'changed';
    expect((await store.getRun(loose.id))?.labels).toEqual({ team: 'a' });
    // A frozen run whose labels are not frozen is copied as well.
    const shallow = Object.freeze({ ...makeRun(), labels: { team: 'b' } });
    await store.createRun({ run: shallow, attempts: [] });
    (shallow.labels as Record<string, string>).team = 'changed';
    expect((await store.getRun(shallow.id))?.labels).toEqual({ team: 'b' });
  });
});
