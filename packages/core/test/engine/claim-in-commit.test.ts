/**
 * The worker claims the attempts a commit of its own lanes makes ready in that commit (no claim query of
 * its own), within its concurrency; what it has no slot for stays ready for the claim path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimRequest, ClaimedAttempt } from '../../src/index.js';
import { createMemoryStore, FakeClock, FakeRuntime, type MemoryStore } from '../../src/testing/index.js';
import { dagDoc, harness, type Harness } from './harness.js';

/** A memory store that records which attempts its claim queries returned. */
function claimRecordingStore(): { store: MemoryStore; claimedByQuery: string[] } {
  const inner = createMemoryStore();
  const claimedByQuery: string[] = [];
  const store = new Proxy(inner, {
    get(target, property) {
      if (property === 'claimAttempts') {
        return async (request: ClaimRequest): Promise<ClaimedAttempt[]> => {
          const claimed = await target.claimAttempts(request);
          claimedByQuery.push(...claimed.map((c) => c.attempt.taskName));
          return claimed;
        };
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  }) as MemoryStore;
  return { store, claimedByQuery };
}

describe('engine: claims in the commit that readies an attempt', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.engine.stop();
    h = undefined;
  });

  it('starts each task of a chain from the commit that readied it, announced once, with no claim query', async () => {
    const { store, claimedByQuery } = claimRecordingStore();
    h = await harness({ store, workerId: 'w1' });
    await h.engine.registerDag(
      dagDoc('chain', [{ name: 'a' }, { name: 'b', runAfter: ['a'] }, { name: 'c', runAfter: ['b'] }]),
    );
    const run = await h.engine.submit('chain');
    expect((await h.recorder.finished(run.id)).state).toBe('succeeded');
    expect(claimedByQuery).toEqual([]);
    expect(h.runtime.calls.map((c) => [c.taskName, c.reclaimed])).toEqual([
      ['a', false],
      ['b', false],
      ['c', false],
    ]);
    // task.started once per attempt, after its predecessor's outcome, in the journal as on the bus.
    const journal = await store.readRunEvents({ runId: run.id, afterId: 0, limit: 100 });
    const trace = journal.map(
      (e) => `${e.type}${e.attemptId === null ? '' : `:${e.payload.attempt?.taskName}`}`,
    );
    expect(trace.filter((t) => t.startsWith('task.started'))).toEqual([
      'task.started:a',
      'task.started:b',
      'task.started:c',
    ]);
    expect(trace.indexOf('task.succeeded:a')).toBeLessThan(trace.indexOf('task.started:b'));
    expect(h.recorder.trace(run.id).filter((t) => t.startsWith('task.started'))).toHaveLength(3);
  });

  it('claims no more than its free slots; the rest stay ready and are claimed as slots free up', async () => {
    const clock = new FakeClock();
    const { store, claimedByQuery } = claimRecordingStore();
    const runtime = new FakeRuntime({ clock, defaultOutcome: { exitCode: 0, delayMs: 1000 } });
    runtime.script({ task: 'root' }, { exitCode: 0 });
    h = await harness({ clock, store, runtime, workerId: 'w1', concurrency: 2 });
    const children = ['c1', 'c2', 'c3', 'c4', 'c5'];
    await h.engine.registerDag(
      dagDoc('fan', [{ name: 'root' }, ...children.map((name) => ({ name, runAfter: ['root'] }))]),
    );
    let executing = 0;
    let most = 0;
    h.engine.events.on('task.started', () => (most = Math.max(most, ++executing)));
    h.engine.events.on('task.succeeded', () => executing--);
    const run = await h.engine.submit('fan');
    const { recorder } = h;
    await recorder.until(
      (e) =>
        e.name === 'task.started' &&
        recorder.trace(run.id).filter((t) => /^task\.started:c/.test(t)).length >= 2,
    );
    const states = (await store.getRunSnapshot(run.id))?.attempts
      .filter((a) => a.taskName !== 'root')
      .map((a) => a.state);
    expect([...(states ?? [])].sort()).toEqual(['ready', 'ready', 'ready', 'running', 'running']);

    await clock.advance(10_000);
    expect((await h.recorder.finished(run.id)).state).toBe('succeeded');
    expect(most).toBe(2);
    expect(h.runtime.calls.map((c) => c.taskName).sort()).toEqual([...children, 'root']);
    // Some children waited for a slot and were claimed by the claim loop, the others by commits.
    expect(claimedByQuery.length).toBeGreaterThan(0);
    expect(claimedByQuery.length).toBeLessThan(children.length);
  });
});
