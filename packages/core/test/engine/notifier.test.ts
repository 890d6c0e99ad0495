import { afterEach, describe, expect, it } from 'vitest';
import type { Notifier, OutboxRecord } from '../../src/index.js';
import { dagDoc, harness, type Harness } from './harness.js';

describe('engine: notifier outbox', () => {
  let h: Harness;
  afterEach(async () => h?.engine.stop());

  it('writes the message in the commit and delivers it, retrying a failed delivery with backoff', async () => {
    const delivered: OutboxRecord[] = [];
    let failuresLeft = 2;
    const notifier: Notifier = {
      name: 'test-hook',
      topic: 'test',
      select(event, dag) {
        if (event.name !== 'run.finished') return null;
        return { runId: event.payload.run.id, payload: { dag: dag.name, state: event.payload.run.state } };
      },
      async deliver(message) {
        if (failuresLeft-- > 0) return { ok: false, statusCode: 503, error: 'unavailable', durationMs: 3 };
        delivered.push(message);
        return { ok: true, statusCode: 200, error: null, durationMs: 2 };
      },
    };
    h = await harness({ notifiers: [notifier] });
    await h.engine.registerDag(dagDoc('notify', [{ name: 'n' }]));
    const run = await h.engine.submit('notify');
    await h.recorder.finished(run.id);
    // The message exists as soon as the run finished: it was part of the same commit.
    const [entry] = await h.store.listDeliveries(run.id);
    expect(entry?.message).toMatchObject({ topic: 'test', payload: { dag: 'notify', state: 'succeeded' } });

    await h.clock.advance(0);
    expect(delivered).toHaveLength(0);
    await h.clock.advance(60_000);
    expect(delivered.map((m) => m.payload)).toEqual([{ dag: 'notify', state: 'succeeded' }]);
    const [after] = await h.store.listDeliveries(run.id);
    expect(after?.message.status).toBe('delivered');
    expect(after?.attempts.map((a) => [a.attempt, a.ok, a.statusCode])).toEqual([
      [1, false, 503],
      [2, false, 503],
      [3, true, 200],
    ]);
    expect(after!.attempts[1]!.at - after!.attempts[0]!.at).toBeGreaterThanOrEqual(800);
  });

  it('gives up after maxAgeMs', async () => {
    const notifier: Notifier = {
      name: 'dead-hook',
      topic: 'dead',
      maxAgeMs: 5_000,
      select: (event) =>
        event.name === 'run.finished' ? { runId: event.payload.run.id, payload: {} } : null,
      deliver: async () => ({ ok: false, statusCode: 500, error: 'boom', durationMs: 1 }),
    };
    h = await harness({ notifiers: [notifier] });
    await h.engine.registerDag(dagDoc('dead', [{ name: 'n' }]));
    const run = await h.engine.submit('dead');
    await h.recorder.finished(run.id);
    await h.clock.advance(60_000);
    const [entry] = await h.store.listDeliveries(run.id);
    expect(entry?.message.status).toBe('failed');
    expect(entry!.attempts.length).toBeGreaterThan(1);
    expect(entry!.attempts.length).toBeLessThan(6);
  });
});
