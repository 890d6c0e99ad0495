/**
 * A worker with thousands of free slots claims them in batches: one claim of every free slot parsed and
 * started thousands of attempts from one result, and that burst set the controller's peak memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type ClaimRequest, type ClaimedAttempt } from '../../src/index.js';
import { createMemoryStore, FakeClock, FakeRuntime, type MemoryStore } from '../../src/testing/index.js';
import { dagDoc, harness, type Harness } from './harness.js';

describe('engine: claim batches', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.engine.stop();
    h = undefined;
  });

  it('claims 1,200 waiting attempts in batches of at most 500 and runs them all at once', async () => {
    const clock = new FakeClock();
    const inner = createMemoryStore();
    const limits: number[] = [];
    const store = new Proxy(inner, {
      get(target, property) {
        if (property === 'claimAttempts') {
          return async (request: ClaimRequest): Promise<ClaimedAttempt[]> => {
            limits.push(request.limit);
            return target.claimAttempts(request);
          };
        }
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    }) as MemoryStore;
    // Submitted before any worker runs, so that the claim loop (not a commit) claims them.
    const submitter = createEngine({ store, clock, scheduler: false });
    const tasks = Array.from({ length: 400 }, (_, i) => ({ name: `t${i}` }));
    await submitter.registerDag(dagDoc('wide', tasks));
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) runIds.push((await submitter.submit('wide')).id);

    const runtime = new FakeRuntime({ clock, defaultOutcome: { exitCode: 0, delayMs: 60_000 } });
    h = await harness({ clock, store, runtime, workerId: 'w1', concurrency: 2000 });
    const { recorder } = h;
    const startedCount = () => recorder.events.filter((e) => e.name === 'task.started').length;
    await recorder.until(() => startedCount() >= 1200);
    expect(startedCount()).toBe(1200);
    for (const id of runIds) {
      const states = (await store.getRunSnapshot(id))?.attempts.map((a) => a.state);
      expect(new Set(states)).toEqual(new Set(['running']));
    }
    expect(Math.max(...limits)).toBeLessThanOrEqual(500);
    expect(limits.filter((l) => l === 500).length).toBeGreaterThanOrEqual(2);
  });
});
