import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptContext, Runtime, TaskOutcome } from '../../src/index.js';
import { createMemoryStore, type MemoryStore } from '../../src/testing/index.js';
import { dagDoc, harness, type Harness } from './harness.js';

/**
 * Regression: the pod runtime deleted a finished pod as soon as it saw the outcome, before the engine had
 * committed it; a replica dying in between let another one take the attempt over, find no pod, and run the
 * task twice. Runtimes now let go in `outcomeRecorded`, which the engine calls only after the commit.
 */
describe('engine: outcomeRecorded', () => {
  let h: Harness;
  afterEach(async () => h?.engine.stop());

  it('is called after the outcome is committed, with the outcome, once per attempt', async () => {
    const store: MemoryStore = createMemoryStore();
    const seen: Array<{ task: string; outcome: TaskOutcome; stateInStore: string | undefined }> = [];
    const runtime: Runtime = {
      name: 'recording',
      execute: async (ctx: AttemptContext) =>
        ctx.taskName === 'bad'
          ? { status: 'failed', exitCode: 3, reason: 'Error' }
          : { status: 'succeeded', exitCode: 0, reason: 'Completed' },
      async outcomeRecorded(ctx, outcome) {
        const snapshot = await store.getRunSnapshot(ctx.runId);
        const stateInStore = snapshot?.attempts.find((a) => a.id === ctx.attemptId)?.state;
        seen.push({ task: ctx.taskName, outcome, stateInStore });
      },
    };
    h = await harness({ store, runtimes: [runtime], defaultRuntime: 'recording' });
    await h.engine.registerDag(
      dagDoc('recorded', [{ name: 'good' }, { name: 'bad', backoff: { limit: 0 } }]),
    );
    const run = await h.engine.submit('recorded');
    await h.recorder.finished(run.id);
    await h.clock.advance(0);

    expect(seen.map((s) => [s.task, s.stateInStore, s.outcome.exitCode]).sort()).toEqual([
      ['bad', 'failed', 3],
      ['good', 'succeeded', 0],
    ]);
  });
});
