/** Contract: the outbox, written with state changes and delivered with retries and a history. */
import { describe, expect, it } from 'vitest';
import type { DeliveryAttempt } from '../../model/records.js';
import type { Store } from '../../ports/store.js';
import { makeOutboxMessage, testId, uniqueName } from '../builders.js';
import { FAKE_CLOCK_START as T0 } from '../fake-clock.js';
import { nextCall, seedRun, type StoreFixture } from './fixture.js';

function delivery(outboxId: string, at: number, ok: boolean, attempt: number): DeliveryAttempt {
  return {
    outboxId,
    attempt,
    at,
    ok,
    statusCode: ok ? 200 : 500,
    error: ok ? null : 'HTTP 500',
    durationMs: 12,
  };
}

async function claimIds(store: Store, topic: string, now: number, leaseMs = 1000): Promise<string[]> {
  const claimed = await store.claimOutbox({ owner: 'dispatcher', topics: [topic], limit: 100, leaseMs, now });
  return claimed.map((message) => message.id);
}

export function outboxContract(fixture: StoreFixture): void {
  describe('outbox', () => {
    it('writes messages in the same commit as the state change', async () => {
      const { store } = fixture;
      const topic = uniqueName('topic');
      const { run } = await seedRun(store);
      const message = makeOutboxMessage({ runId: run.id, topic, payload: { event: 'run.started', n: 1 } });
      const result = await store.commitRun({
        runId: run.id,
        expectRevision: 0,
        run: { state: 'running', startedAt: T0 },
        outbox: [message],
      });
      expect(result.ok).toBe(true);
      const deliveries = await store.listDeliveries(run.id);
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]?.message).toMatchObject({
        ...message,
        status: 'pending',
        attempts: 0,
        lastError: null,
        deliveredAt: null,
      });
      expect(deliveries[0]?.attempts).toEqual([]);
    });

    it('writes no message for a commit that conflicts', async () => {
      const { store } = fixture;
      const topic = uniqueName('topic');
      const { run } = await seedRun(store);
      const result = await store.commitRun({
        runId: run.id,
        expectRevision: 7,
        outbox: [makeOutboxMessage({ runId: run.id, topic })],
      });
      expect(result).toEqual({ ok: false, reason: 'conflict' });
      expect(await store.listDeliveries(run.id)).toEqual([]);
      expect(await claimIds(store, topic, T0 + 1000)).toEqual([]);
    });

    it('writes the messages given with a new run', async () => {
      const { store } = fixture;
      const topic = uniqueName('topic');
      const runId = testId();
      const message = makeOutboxMessage({ runId, topic });
      const { run } = await seedRun(store, { run: { id: runId }, outbox: [message] });
      expect((await store.listDeliveries(run.id)).map((d) => d.message.id)).toEqual([message.id]);
    });

    it('claims by topic and leases what it claims', async () => {
      const { store } = fixture;
      const [topic, otherTopic] = [uniqueName('topic'), uniqueName('topic')];
      const mine = makeOutboxMessage({ topic, createdAt: T0 });
      const other = makeOutboxMessage({ topic: otherTopic, createdAt: T0 });
      await store.enqueueOutbox([mine, other]);

      const claimed = await store.claimOutbox({
        owner: 'dispatcher-1',
        topics: [topic],
        limit: 10,
        leaseMs: 1000,
        now: T0 + 10,
      });
      expect(claimed.map((message) => message.id)).toEqual([mine.id]);
      expect(claimed[0]).toMatchObject({ topic, status: 'pending', payload: mine.payload });
      // Leased: nobody else gets it until the lease runs out.
      expect(await claimIds(store, topic, T0 + 500)).toEqual([]);
      expect(await claimIds(store, topic, T0 + 1011)).toEqual([mine.id]);
      expect(await claimIds(store, otherTopic, T0 + 10)).toEqual([other.id]);
    });

    it('retries a failed delivery when due, then records it delivered, keeping the history', async () => {
      const { store } = fixture;
      const topic = uniqueName('topic');
      const { run } = await seedRun(store);
      const message = makeOutboxMessage({ runId: run.id, topic, createdAt: T0 });
      await store.enqueueOutbox([message]);

      expect(await claimIds(store, topic, T0 + 10)).toEqual([message.id]);
      await store.recordDelivery(message.id, {
        attempt: delivery(message.id, T0 + 20, false, 1),
        outcome: 'retry',
        nextAttemptAt: T0 + 5000,
      });
      let [entry] = await store.listDeliveries(run.id);
      expect(entry?.message).toMatchObject({
        status: 'pending',
        attempts: 1,
        nextAttemptAt: T0 + 5000,
        lastError: 'HTTP 500',
      });
      expect(await claimIds(store, topic, T0 + 4999)).toEqual([]);
      expect(await claimIds(store, topic, T0 + 5000)).toEqual([message.id]);

      await store.recordDelivery(message.id, {
        attempt: delivery(message.id, T0 + 5100, true, 2),
        outcome: 'delivered',
      });
      [entry] = await store.listDeliveries(run.id);
      expect(entry?.message).toMatchObject({ status: 'delivered', attempts: 2, deliveredAt: T0 + 5100 });
      expect(entry?.attempts).toEqual([
        delivery(message.id, T0 + 20, false, 1),
        delivery(message.id, T0 + 5100, true, 2),
      ]);
      expect(await claimIds(store, topic, T0 + 100_000)).toEqual([]);
    });

    it('ignores a message whose id it already holds, whatever its state', async () => {
      const { store } = fixture;
      const topic = uniqueName('topic');
      const { run } = await seedRun(store);
      const message = makeOutboxMessage({ runId: run.id, topic, createdAt: T0, payload: { n: 1 } });
      await store.enqueueOutbox([message]);
      expect(await claimIds(store, topic, T0 + 10)).toEqual([message.id]);
      await store.recordDelivery(message.id, {
        attempt: delivery(message.id, T0 + 20, true, 1),
        outcome: 'delivered',
      });
      // The same id again (a reclaimed attempt announcing itself again): no second message, no reset.
      await store.enqueueOutbox([{ ...message, payload: { n: 2 }, createdAt: T0 + 30 }]);
      const entries = await store.listDeliveries(run.id);
      expect(entries.map((e) => [e.message.id, e.message.status, e.message.payload])).toEqual([
        [message.id, 'delivered', { n: 1 }],
      ]);
      expect(await store.getOutbox(message.id)).toMatchObject({ id: message.id, runId: run.id, topic });
      expect(await store.getOutbox(`${message.id}-missing`)).toBeUndefined();
    });

    it('requeues a failed or delivered message, and only those', async () => {
      const { store } = fixture;
      const topic = uniqueName('topic');
      const { run } = await seedRun(store);
      const message = makeOutboxMessage({ runId: run.id, topic, createdAt: T0 });
      await store.enqueueOutbox([message]);
      expect(await store.requeueOutbox(message.id, T0)).toBe(false);

      expect(await claimIds(store, topic, T0 + 10)).toEqual([message.id]);
      await store.recordDelivery(message.id, {
        attempt: delivery(message.id, T0 + 20, false, 1),
        outcome: 'failed',
      });
      expect((await store.listDeliveries(run.id))[0]?.message.status).toBe('failed');
      expect(await claimIds(store, topic, T0 + 100_000)).toEqual([]);

      expect(await store.requeueOutbox(message.id, T0 + 200_000)).toBe(true);
      expect((await store.listDeliveries(run.id))[0]?.message.status).toBe('pending');
      expect(await claimIds(store, topic, T0 + 200_000)).toEqual([message.id]);
      expect(await store.requeueOutbox(testId(), T0)).toBe(false);
    });

    it('lists deliveries of a run only', async () => {
      const { store } = fixture;
      const topic = uniqueName('topic');
      const a = await seedRun(store);
      const b = await seedRun(store);
      const first = makeOutboxMessage({ runId: a.run.id, topic, createdAt: T0 });
      const second = makeOutboxMessage({ runId: a.run.id, topic, createdAt: T0 + 1 });
      await store.enqueueOutbox([second, first, makeOutboxMessage({ runId: b.run.id, topic })]);
      const listed = (await store.listDeliveries(a.run.id)).map((d) => d.message.id);
      expect(listed.slice().sort()).toEqual([first.id, second.id].sort());
    });

    it('wakes dispatchers when messages are enqueued', async () => {
      const { store } = fixture;
      const woken = nextCall((listener) => store.onOutbox(listener));
      await store.enqueueOutbox([makeOutboxMessage({ topic: uniqueName('topic') })]);
      await expect(woken).resolves.toBeUndefined();
    });
  });
}
