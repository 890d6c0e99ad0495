/** Contract: inbound triggers, their secrets, and replay protection by message id. */
import { describe, expect, it } from 'vitest';
import type { TriggerRecord } from '../../ports/trigger-store.js';
import { testId, uniqueName } from '../builders.js';
import { FAKE_CLOCK_START as T0 } from '../fake-clock.js';
import type { StoreFixture } from './fixture.js';

const makeTrigger = (overrides: Partial<TriggerRecord> = {}): TriggerRecord => ({
  id: testId(),
  namespace: 'default',
  dagName: uniqueName(),
  name: 'github',
  secrets: [{ secret: 'whsec_c2VjcmV0LW9uZQ==', createdAt: T0 }],
  mapping: { ref: '/ref', sha: '/head_commit/id' },
  toleranceSeconds: 300,
  ratePerMinute: 60,
  createdAt: T0,
  updatedAt: T0,
  createdBy: 'alice',
  ...overrides,
});

export function triggerContract(fixture: StoreFixture): void {
  describe('inbound triggers', () => {
    it('creates, reads, lists by DAG and deletes a trigger', async () => {
      const { store } = fixture;
      const trigger = makeTrigger();
      const other = makeTrigger({ dagName: trigger.dagName, name: 'alerts', mapping: {} });
      expect(await store.createTrigger(trigger)).toEqual({ trigger, created: true });
      await store.createTrigger(other);
      expect(await store.getTrigger(trigger.id)).toEqual(trigger);
      const dag = { namespace: 'default', name: trigger.dagName };
      expect((await store.listTriggers(dag)).map((t) => t.name)).toEqual(['alerts', 'github']);
      expect(await store.listTriggers({ namespace: 'elsewhere', name: trigger.dagName })).toEqual([]);
      expect(await store.deleteTrigger(trigger.id)).toBe(true);
      expect(await store.deleteTrigger(trigger.id)).toBe(false);
      expect(await store.getTrigger(trigger.id)).toBeUndefined();
      expect((await store.listTriggers(dag)).map((t) => t.name)).toEqual(['alerts']);
    });

    it('keeps one trigger per name and DAG: a second create returns the first', async () => {
      const { store } = fixture;
      const first = makeTrigger();
      await store.createTrigger(first);
      const again = await store.createTrigger(makeTrigger({ dagName: first.dagName }));
      expect(again).toEqual({ trigger: first, created: false });
      const elsewhere = makeTrigger({ dagName: first.dagName, namespace: 'team-b' });
      expect((await store.createTrigger(elsewhere)).created).toBe(true);
    });

    it('replaces the secrets on rotation', async () => {
      const { store } = fixture;
      const trigger = makeTrigger();
      await store.createTrigger(trigger);
      const secrets = [
        { secret: 'whsec_bmV3', createdAt: T0 + 10 },
        { secret: 'whsec_c2VjcmV0LW9uZQ==', createdAt: T0 },
      ];
      const rotated = await store.setTriggerSecrets(trigger.id, secrets, T0 + 10);
      expect(rotated).toEqual({ ...trigger, secrets, updatedAt: T0 + 10 });
      expect(await store.getTrigger(trigger.id)).toEqual(rotated);
      expect(await store.setTriggerSecrets(testId(), secrets, T0)).toBeUndefined();
    });

    it('accepts a message id once until it expires, per trigger, even under concurrency', async () => {
      const { store } = fixture;
      const a = makeTrigger();
      const b = makeTrigger();
      await store.createTrigger(a);
      await store.createTrigger(b);
      const results = await Promise.all(
        [1, 2, 3, 4].map(() => store.recordTriggerMessage(a.id, 'msg_1', T0 + 600_000, T0)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.recordTriggerMessage(a.id, 'msg_1', T0 + 600_000, T0 + 1000)).toBe(false);
      expect(await store.recordTriggerMessage(b.id, 'msg_1', T0 + 600_000, T0)).toBe(true);
      expect(await store.recordTriggerMessage(a.id, 'msg_2', T0 + 600_000, T0)).toBe(true);
      // After it expires, the id is forgotten (the timestamp tolerance refuses such old messages anyway).
      expect(await store.recordTriggerMessage(a.id, 'msg_1', T0 + 1_200_000, T0 + 600_000)).toBe(true);
    });
  });
}
