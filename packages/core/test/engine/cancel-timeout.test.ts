import { afterEach, describe, expect, it } from 'vitest';
import { KontrolerError, type Runtime, type Store } from '../../src/index.js';
import { createMemoryStore } from '../../src/testing/index.js';
import { dagDoc, harness, type Harness } from './harness.js';

describe('engine: timeouts and cancellation', () => {
  let h: Harness;
  afterEach(async () => h?.engine.stop());

  it('aborts an attempt past timeoutSeconds and records a Timeout failure', async () => {
    h = await harness();
    h.runtime.script({ task: 'slow' }, { exitCode: 0, hang: true });
    await h.engine.registerDag(dagDoc('slow', [{ name: 'slow', timeoutSeconds: 5, backoff: { limit: 0 } }]));
    const run = await h.engine.submit('slow');
    await h.recorder.until((e) => e.name === 'task.started');
    await h.clock.advance(4_999);
    expect(h.recorder.events.some((e) => e.name === 'task.failed')).toBe(false);
    await h.clock.advance(1);
    const finished = await h.recorder.finished(run.id);
    expect(finished.state).toBe('failed');
    expect(finished.reason).toBe('task slow failed (Timeout) after 1 attempt');
    const snapshot = await h.engine.getRun(run.id);
    expect(snapshot?.attempts[0]).toMatchObject({ state: 'failed', reason: 'Timeout', exitCode: null });
  });

  it('cancels waiting tasks, aborts running ones, and ends the run canceled', async () => {
    h = await harness();
    h.runtime.script({ task: 'long' }, { exitCode: 0, delayMs: 60_000 });
    await h.engine.registerDag(
      dagDoc('cancel-me', [{ name: 'long' }, { name: 'after', runAfter: ['long'] }]),
    );
    const startedAt = h.clock.now();
    const run = await h.engine.submit('cancel-me');
    await h.recorder.until((e) => e.name === 'task.started');
    const canceled = await h.engine.cancel(run.id);
    expect(canceled.cancelRequested).toBe(true);
    const finished = await h.recorder.finished(run.id);
    expect(finished.state).toBe('canceled');
    const snapshot = await h.engine.getRun(run.id);
    expect(snapshot?.attempts.map((a) => [a.taskName, a.state, a.reason])).toEqual([
      ['long', 'canceled', 'Canceled'],
      ['after', 'canceled', 'Canceled'],
    ]);
    expect(h.recorder.trace(run.id).slice(-3)).toEqual([
      'task.canceled:after',
      'task.canceled:long',
      'run.finished',
    ]);
    // The abort ended the 60 s task at once: no fake time had to pass.
    expect(h.clock.now()).toBe(startedAt);
  });

  it('refuses to cancel a finished run', async () => {
    h = await harness();
    await h.engine.registerDag(dagDoc('quick', [{ name: 'q' }]));
    const run = await h.engine.submit('quick');
    await h.recorder.finished(run.id);
    await expect(h.engine.cancel(run.id)).rejects.toSatisfy((e: unknown) =>
      KontrolerError.is(e, 'RUN_FINISHED'),
    );
    await expect(h.engine.cancel('nope')).rejects.toSatisfy((e: unknown) =>
      KontrolerError.is(e, 'RUN_NOT_FOUND'),
    );
  });

  it('skips what depends on a failed task while an independent branch keeps running', async () => {
    h = await harness();
    h.runtime.script({ task: 'a' }, { exitCode: 1 }).script({ task: 'x' }, { exitCode: 0, delayMs: 1000 });
    await h.engine.registerDag(
      dagDoc('branches', [
        { name: 'a', backoff: { limit: 0 } },
        { name: 'b', runAfter: ['a'] },
        { name: 'c', runAfter: ['b'] },
        { name: 'x' },
      ]),
    );
    const run = await h.engine.submit('branches');
    await h.recorder.until(
      (e) =>
        e.name === 'task.skipped' &&
        (e.payload as { attempt: { taskName: string } }).attempt.taskName === 'c',
    );
    const midway = await h.engine.getRun(run.id);
    expect(midway?.run.state).toBe('running');
    expect(midway?.attempts.map((a) => [a.taskName, a.state])).toEqual([
      ['a', 'failed'],
      ['b', 'skipped'],
      ['c', 'skipped'],
      ['x', 'running'],
    ]);
    expect(midway?.attempts[1]?.message).toBe('upstream task a failed');
    await h.clock.advance(1000);
    const finished = await h.recorder.finished(run.id);
    expect(finished.state).toBe('failed');
    expect(h.runtime.callsOf('x')).toHaveLength(1);
  });

  it('records the abort itself when the runtime ignores it for abortGraceMs', async () => {
    const stubborn: Runtime = { name: 'stubborn', execute: () => new Promise(() => {}) };
    h = await harness({ runtimes: [stubborn], abortGraceMs: 1000 });
    await h.engine.registerDag(dagDoc('stubborn', [{ name: 's', timeoutSeconds: 2, backoff: { limit: 0 } }]));
    const run = await h.engine.submit('stubborn');
    await h.recorder.until((e) => e.name === 'task.started');
    await h.clock.advance(2_999);
    expect((await h.engine.getRun(run.id))?.attempts[0]?.state).toBe('running');
    await h.clock.advance(1);
    expect((await h.recorder.finished(run.id)).state).toBe('failed');
    expect((await h.engine.getRun(run.id))?.attempts[0]).toMatchObject({
      state: 'failed',
      reason: 'Timeout',
      message: 'the runtime did not stop in time',
    });
  });

  it('ctx.onAbort reports a timeout with its reason, at once when registered late, and a removed listener hears nothing', async () => {
    const heard: unknown[] = [];
    const listening: Runtime = {
      name: 'listening',
      execute: (ctx) =>
        new Promise((resolve) => {
          const stop = ctx.onAbort?.(() => heard.push('removed'));
          stop?.();
          ctx.onAbort?.((reason) => {
            heard.push(reason);
            // Registered once aborted: called at once with the same reason.
            ctx.onAbort?.((again) => heard.push(`late ${String(again)}`));
            resolve({ status: 'failed', exitCode: null, reason: 'Timeout' });
          });
        }),
    };
    h = await harness({ runtimes: [listening] });
    await h.engine.registerDag(dagDoc('listen', [{ name: 'l', timeoutSeconds: 2, backoff: { limit: 0 } }]));
    const run = await h.engine.submit('listen');
    await h.recorder.until((e) => e.name === 'task.started');
    await h.clock.advance(2_000);
    expect((await h.recorder.finished(run.id)).state).toBe('failed');
    expect(heard).toEqual(['Timeout', 'late Timeout']);
    expect((await h.engine.getRun(run.id))?.attempts[0]).toMatchObject({
      state: 'failed',
      reason: 'Timeout',
    });
  });

  it('aborts locally and drops the outcome when the lease is lost', async () => {
    const real = createMemoryStore();
    const lossy = new Proxy(real, {
      get(target, key) {
        if (key === 'renewLeases') {
          return async (_owner: string, ids: readonly string[]) => ({
            renewed: [],
            lost: [...ids],
            cancelRequested: [],
          });
        }
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as Store;
    h = await harness({ store: lossy as typeof real, leaseMs: 3_000 });
    h.runtime.script({ task: 'l' }, { exitCode: 0, delayMs: 60_000 });
    await h.engine.registerDag(dagDoc('lossy', [{ name: 'l' }]));
    const run = await h.engine.submit('lossy');
    await h.recorder.until((e) => e.name === 'task.started');
    await h.clock.advance(1_000);
    expect(h.recorder.events.some((e) => e.name === 'task.failed' || e.name === 'task.succeeded')).toBe(
      false,
    );
    const attempt = (await real.getRunSnapshot(run.id))?.attempts[0];
    expect(attempt).toMatchObject({ state: 'running', leaseOwner: h.engine.workerId });
    expect(h.runtime.aborts).toEqual([{ attemptId: attempt?.id, reason: 'Lost' }]);
  });
});
