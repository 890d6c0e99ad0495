/**
 * A run's own deadline through the engine (docs/flow/deadline.md): `submit({activeDeadlineSeconds})`
 * checks it, stores it on the run, and the run is stopped when the clock passes it even though no task
 * ever reports back (the plan that starts the run arms the wake-up).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KontrolerError, MAX_RUN_DEADLINE_SECONDS } from '../../src/index.js';
import { dagDoc, harness, type Harness } from './harness.js';

describe('engine: per-run deadline', () => {
  let h: Harness;
  afterEach(async () => h?.engine.stop());

  it('refuses a deadline that is not a positive integer within range, with RUN_OPTION_INVALID', async () => {
    h = await harness();
    await h.engine.registerDag(dagDoc('slow', [{ name: 'work' }]));
    for (const bad of [0, -1, 2.5, Number.NaN, MAX_RUN_DEADLINE_SECONDS + 1]) {
      const error: unknown = await h.engine.submit('slow', {}, { activeDeadlineSeconds: bad }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(KontrolerError.is(error, 'RUN_OPTION_INVALID'), String(bad)).toBe(true);
      expect(KontrolerError.is(error, 'RUN_OPTION_INVALID') && error.details.option).toBe(
        'activeDeadlineSeconds',
      );
    }
    expect((await h.engine.listRuns({}, { limit: 10, cursor: null })).items).toEqual([]);
  });

  it('stores the deadline and stops a hanging run at it, with DeadlineExceeded', async () => {
    h = await harness();
    h.runtime.script({ task: 'work' }, { exitCode: 0, hang: true });
    await h.engine.registerDag(dagDoc('slow', [{ name: 'work' }], { activeDeadlineSeconds: 3600 }));
    const run = await h.engine.submit('slow', {}, { activeDeadlineSeconds: 2 });
    expect(run.activeDeadlineSeconds).toBe(2);
    await h.recorder.until((e) => e.name === 'task.started');
    await h.clock.advance(2000);
    const finished = await h.recorder.finished(run.id);
    expect(finished.state).toBe('failed');
    expect(finished.reason).toMatch(/^DeadlineExceeded/);
    expect(h.runtime.aborts.map((a) => a.reason)).toEqual(['DeadlineExceeded']);
  });
});
