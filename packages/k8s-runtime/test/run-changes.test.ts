/**
 * `followRunJournal`: the syncs of one process share one reader of the run event journal, hear the runs of
 * their namespaces whichever process changed them, and the reader stops with its last listener.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore, type RunEventInput } from '@kontroler/core';
import { makeRun } from '@kontroler/core/testing';
import { followRunJournal } from '@kontroler/k8s-runtime';

const created = (id: string, namespace: string): RunEventInput => {
  const run = makeRun({ id, namespace });
  return { type: 'run.created', namespace, runId: id, attemptId: null, payload: { run }, createdAt: 0 };
};

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('followRunJournal', () => {
  it('hands every listener the runs of its namespaces, read once per change, until the last one leaves', async () => {
    const store = createMemoryStore();
    let wakeListeners = 0;
    const counted = {
      readRunEvents: store.readRunEvents.bind(store),
      runEventBounds: store.runEventBounds.bind(store),
      onRunEvents(listener: () => void) {
        wakeListeners++;
        const off = store.onRunEvents(listener);
        return () => {
          wakeListeners--;
          off();
        };
      },
    };
    const changes = followRunJournal({ store: counted, namespaces: ['a', 'b'], pollMs: 60_000 });
    const first: string[] = [];
    const second: string[] = [];
    const offFirst = await changes.subscribe((run) => first.push(run.id));
    const offSecond = await changes.subscribe((run) => second.push(run.id));
    expect(wakeListeners).toBe(1);

    await store.appendRunEvents([created('r1', 'a'), created('r2', 'elsewhere'), created('r3', 'b')]);
    await settle();
    expect(first).toEqual(['r1', 'r3']);
    expect(second).toEqual(['r1', 'r3']);

    offFirst();
    await store.appendRunEvents([created('r4', 'a')]);
    await settle();
    expect(first).toEqual(['r1', 'r3']);
    expect(second).toEqual(['r1', 'r3', 'r4']);
    offSecond();
    expect(wakeListeners).toBe(0);
  });
});
