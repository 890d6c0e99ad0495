/**
 * `RunEventFeed`: from the journal's "now" on, every event once and in id order; a missed wake-up is made
 * up by the poll, and a failed read is retried from the same cursor (nothing skipped).
 */
import { describe, expect, it } from 'vitest';
import { RunEventFeed } from '../../src/events/run-event-feed.js';
import type { RunEventInput, RunEventStore, StoredRunEvent } from '../../src/ports/run-events.js';
import { FakeClock, createMemoryStore, makeRun } from '../../src/testing/index.js';

const created = (runId: string): RunEventInput => {
  const run = makeRun({ id: runId });
  return {
    type: 'run.created',
    namespace: run.namespace,
    runId,
    attemptId: null,
    payload: { run },
    createdAt: 0,
  };
};

/** Lets microtasks and the memory store's listener callbacks run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('RunEventFeed', () => {
  it('delivers what is appended after it started, once each, in order', async () => {
    const store = createMemoryStore();
    await store.appendRunEvents([created('before')]);
    const got: StoredRunEvent[] = [];
    const feed = new RunEventFeed({ store, clock: new FakeClock(), onEvents: (e) => got.push(...e) });
    await feed.ready;
    expect(feed.startId).toBe(1);
    await store.appendRunEvents([created('a'), created('b')]);
    await store.appendRunEvents([created('c')]);
    await settle();
    expect(got.map((e) => e.runId)).toEqual(['a', 'b', 'c']);
    expect(feed.lastId).toBe(4);
    feed.stop();
  });

  it('finds events whose wake-up never came on its next poll', async () => {
    const memory = createMemoryStore();
    // A store whose notifications are lost (a LISTEN connection that dropped).
    const deaf: Pick<RunEventStore, 'readRunEvents' | 'runEventBounds' | 'onRunEvents'> = {
      readRunEvents: (q) => memory.readRunEvents(q),
      runEventBounds: () => memory.runEventBounds(),
      onRunEvents: () => () => undefined,
    };
    const clock = new FakeClock();
    const got: string[] = [];
    const feed = new RunEventFeed({
      store: deaf,
      clock,
      pollMs: 1000,
      onEvents: (e) => got.push(...e.map((x) => x.runId)),
    });
    await feed.ready;
    await memory.appendRunEvents([created('quiet')]);
    await settle();
    expect(got).toEqual([]);
    await clock.advance(1000);
    await settle();
    expect(got).toEqual(['quiet']);
    feed.stop();
  });

  it('reads again from the same cursor after a failed read', async () => {
    const memory = createMemoryStore();
    let fail = true;
    const flaky: Pick<RunEventStore, 'readRunEvents' | 'runEventBounds' | 'onRunEvents'> = {
      readRunEvents: async (q) => {
        if (fail) throw new Error('connection reset');
        return memory.readRunEvents(q);
      },
      runEventBounds: () => memory.runEventBounds(),
      onRunEvents: (listener) => memory.onRunEvents(listener),
    };
    const clock = new FakeClock();
    const got: string[] = [];
    const feed = new RunEventFeed({
      store: flaky,
      clock,
      pollMs: 1000,
      onEvents: (e) => got.push(...e.map((x) => x.runId)),
    });
    await feed.ready;
    await memory.appendRunEvents([created('x'), created('y')]);
    await settle();
    expect(got).toEqual([]);
    fail = false;
    await clock.advance(1000);
    await settle();
    expect(got).toEqual(['x', 'y']);
    feed.stop();
  });

  it('delivers an id that was still in flight when it started, and not the events committed before', async () => {
    // A journal whose ids become visible out of order (as in PostgreSQL): id 2 is in flight at start.
    const events = [1, 2, 3].map((id) => ({ ...created(`r${id}`), id }) as StoredRunEvent);
    let visible = new Set([1, 3]);
    const journal: Pick<RunEventStore, 'readRunEvents' | 'runEventBounds' | 'onRunEvents'> = {
      readRunEvents: async (q) => {
        // A reader never steps over an id in flight: it stops before the first invisible one.
        const out: StoredRunEvent[] = [];
        for (const e of events) {
          if (e.id <= q.afterId) continue;
          if (!visible.has(e.id)) break;
          out.push(e);
        }
        return out;
      },
      runEventBounds: async () => ({
        first: 1,
        last: 3,
        unseen: [...[1, 2, 3].filter((id) => !visible.has(id))],
      }),
      onRunEvents: () => () => undefined,
    };
    const got: string[] = [];
    const feed = new RunEventFeed({
      store: journal,
      clock: new FakeClock(),
      onEvents: (e) => got.push(...e.map((x) => x.runId)),
    });
    await feed.ready;
    expect(feed.startId).toBe(1);
    feed.wake();
    await settle();
    expect(got).toEqual([]);
    // The writer of id 2 commits, and a new event follows.
    events.push({ ...created('r4'), id: 4 } as StoredRunEvent);
    visible = new Set([1, 2, 3, 4]);
    feed.wake();
    await settle();
    expect(got).toEqual(['r2', 'r4']);
    expect(feed.lastId).toBe(4);
    feed.stop();
  });
});
