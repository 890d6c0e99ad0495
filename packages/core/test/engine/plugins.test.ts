import { afterEach, describe, expect, it } from 'vitest';
import {
  createEngine,
  definePlugin,
  KontrolerError,
  TOKENS,
  type Notifier,
  type Store,
} from '../../src/index.js';
import { FakeClock, createMemoryStore } from '../../src/testing/index.js';
import { FakeRuntime } from '../../src/testing/index.js';
import { dagDoc, harness, type Harness } from './harness.js';

describe('engine: plugins', () => {
  let h: Harness;
  afterEach(async () => h?.engine.stop());

  it('runs tasks of a plugin task type on its runtime, and fails unknown types without retry', async () => {
    const clock = new FakeClock();
    const http = new FakeRuntime({ name: 'http', clock });
    let seenStore: Store | undefined;
    h = await harness({
      clock,
      plugins: [
        definePlugin({
          name: 'http-task',
          setup(host) {
            host.registerTaskType('http', http);
            seenStore = host.container.resolve<Store>(TOKENS.Store);
          },
        }),
      ],
    });
    expect(seenStore).toBe(h.store);
    await h.engine.registerDag(
      dagDoc('mixed', [
        { name: 'call', type: 'http' },
        { name: 'box', runAfter: ['call'] },
        { name: 'odd', type: 'ftp' },
      ]),
    );
    const run = await h.engine.submit('mixed');
    const finished = await h.recorder.finished(run.id);
    expect(http.calls.map((c) => c.taskName)).toEqual(['call']);
    expect(h.runtime.calls.map((c) => c.taskName)).toEqual(['box']);
    expect(finished.state).toBe('failed');
    const odd = (await h.engine.getRun(run.id))?.attempts.find((a) => a.taskName === 'odd');
    expect(odd).toMatchObject({ state: 'failed', reason: 'TaskTypeNotFound', nonRetryable: true });
    expect((await h.engine.getRun(run.id))?.attempts.filter((a) => a.taskName === 'odd')).toHaveLength(1);
  });

  it('lets beforeTaskStart veto an attempt and amend parameters; afterTaskEnd observes outcomes', async () => {
    const ended: string[] = [];
    const amended: boolean[] = [];
    h = await harness({
      plugins: [
        definePlugin({
          name: 'policy',
          setup(host) {
            host.registerHooks({
              beforeTaskStart(ctx) {
                if (ctx.taskName === 'forbidden') {
                  return { veto: { reason: 'PolicyDenied', message: 'not on Sundays' } };
                }
                return { parameters: { ...ctx.parameters, injected: { value: 'yes' } } };
              },
              afterTaskEnd(ctx, outcome) {
                ended.push(`${ctx.taskName}:${outcome.status}`);
                // The amended context is still the attempt's: its abort signal and identity came along.
                amended.push(ctx.signal instanceof AbortSignal && ctx.attemptId.length > 0);
              },
            });
          },
        }),
      ],
    });
    await h.engine.registerDag(dagDoc('policy', [{ name: 'fine' }, { name: 'forbidden' }]));
    const run = await h.engine.submit('policy');
    const finished = await h.recorder.finished(run.id);
    expect(finished.state).toBe('failed');
    expect(h.runtime.calls.map((c) => c.taskName)).toEqual(['fine']);
    expect(h.runtime.calls[0]?.parameters).toEqual({ injected: { value: 'yes' } });
    const forbidden = (await h.engine.getRun(run.id))?.attempts.find((a) => a.taskName === 'forbidden');
    expect(forbidden).toMatchObject({
      state: 'failed',
      reason: 'PolicyDenied',
      message: 'not on Sundays',
      nonRetryable: true,
    });
    // afterTaskEnd runs once the outcome is committed, so just after run.finished.
    await h.clock.advance(0);
    expect(ended.sort()).toEqual(['fine:succeeded', 'forbidden:failed']);
    expect(amended).toEqual([true, true]);
  });

  it('refuses duplicate names with PLUGIN_INVALID', async () => {
    const store = createMemoryStore();
    const engine = createEngine({
      store,
      scheduler: false,
      plugins: [
        definePlugin({
          name: 'one',
          setup: (host) => host.registerRuntime(new FakeRuntime({ name: 'dup' })),
        }),
        definePlugin({
          name: 'two',
          setup: (host) => host.registerRuntime(new FakeRuntime({ name: 'dup' })),
        }),
      ],
    });
    await expect(engine.start()).rejects.toSatisfy(
      (e: unknown) => KontrolerError.is(e, 'PLUGIN_INVALID') && e.details.plugin === 'two',
    );
    const notifier: Notifier = {
      name: 'n',
      topic: 't',
      select: () => null,
      deliver: async () => ({ ok: true, statusCode: 200, error: null, durationMs: 0 }),
    };
    expect(() => createEngine({ store, notifiers: [notifier, { ...notifier }] })).toThrow(KontrolerError);
  });
});
