/**
 * Contract: the run event journal. Events are written with the run change that caused them (and only
 * when it succeeds), read back in id order after a cursor, filtered by namespace and run, deduplicated by
 * key, announced through `onRunEvents`, and pruned by age. Every test filters by its own run ids, so the
 * store may be shared with other suites.
 */
import { describe, expect, it } from 'vitest';
import type { RunEventName } from '../../events/engine-events.js';
import type { AttemptRecord, RunRecord } from '../../model/records.js';
import type { RunEventInput } from '../../ports/run-events.js';
import { makeAttempt, makeRun, testId, uniqueName } from '../builders.js';
import { nextCall, type StoreFixture } from './fixture.js';

/** An instant in 1970: older than any event that other suites create. */
const ANCIENT = 1_000_000;

function event(
  type: RunEventName,
  run: RunRecord,
  attempt?: AttemptRecord,
  extra: Partial<RunEventInput> = {},
): RunEventInput {
  return {
    type,
    namespace: run.namespace,
    runId: run.id,
    attemptId: attempt?.id ?? null,
    payload: { run, ...(attempt ? { attempt } : {}) },
    createdAt: run.createdAt,
    ...extra,
  };
}

export function runEventContract(fixture: StoreFixture): void {
  describe('run event journal', () => {
    it('journals the events of createRun and commitRun in the same write, in order, with increasing ids', async () => {
      const { store } = fixture;
      const run = makeRun({ state: 'pending' });
      const attempt = makeAttempt({ runId: run.id, state: 'waiting' });
      await store.createRun({ run, attempts: [attempt], events: [event('run.created', run)] });
      const started = { ...run, state: 'running' as const, revision: 1 };
      const ready = { ...attempt, state: 'ready' as const };
      const answer = await store.commitRun({
        runId: run.id,
        expectRevision: 0,
        run: { state: 'running', startedAt: run.createdAt },
        attempts: [{ id: attempt.id, expectState: 'waiting', set: { state: 'ready' } }],
        events: [event('run.started', started), event('task.ready', started, ready)],
      });
      expect(answer.ok).toBe(true);

      const read = await store.readRunEvents({ afterId: 0, limit: 1000, runId: run.id });
      expect(read.map((e) => e.type)).toEqual(['run.created', 'run.started', 'task.ready']);
      expect(read.map((e) => e.id)).toEqual([...read.map((e) => e.id)].sort((a, b) => a - b));
      expect(new Set(read.map((e) => e.id)).size).toBe(3);
      expect(read[2]).toMatchObject({
        namespace: run.namespace,
        runId: run.id,
        attemptId: attempt.id,
        createdAt: run.createdAt,
      });
      expect(read[2]?.payload.run).toMatchObject({ id: run.id, state: 'running', revision: 1 });
      expect(read[2]?.payload.attempt).toMatchObject({ id: attempt.id, state: 'ready' });
      expect(read[0]?.attemptId).toBeNull();
      const bounds = await store.runEventBounds();
      expect(bounds.last).toBeGreaterThanOrEqual(read[2]?.id ?? Infinity);
      expect(bounds.first).not.toBeNull();
      expect(bounds.first ?? Infinity).toBeLessThanOrEqual(read[0]?.id ?? 0);
    });

    it('writes no event when the commit is refused (stale revision, or an idempotent createRun)', async () => {
      const { store } = fixture;
      const key = uniqueName('key');
      const run = makeRun({ state: 'pending', idempotencyKey: key });
      await store.createRun({ run, attempts: [], events: [event('run.created', run)] });
      const twin = makeRun({ state: 'pending', idempotencyKey: key, namespace: run.namespace });
      const again = await store.createRun({ run: twin, attempts: [], events: [event('run.created', twin)] });
      expect(again.created).toBe(false);
      const stale = await store.commitRun({
        runId: run.id,
        expectRevision: 7,
        run: { state: 'running' },
        events: [event('run.started', run)],
      });
      expect(stale.ok).toBe(false);
      const read = await store.readRunEvents({ afterId: 0, limit: 1000, runId: run.id });
      expect(read.map((e) => e.type)).toEqual(['run.created']);
      expect(await store.readRunEvents({ afterId: 0, limit: 1000, runId: twin.id })).toEqual([]);
    });

    it('reads after a cursor, at most `limit`, filtered by namespace and run', async () => {
      const { store } = fixture;
      const a = makeRun({ namespace: uniqueName('ns') });
      const b = makeRun({ namespace: uniqueName('ns') });
      await store.appendRunEvents([
        event('run.created', a),
        event('run.created', b),
        event('run.started', a),
        event('run.finished', a),
      ]);
      const ofA = await store.readRunEvents({ afterId: 0, limit: 1000, namespaces: [a.namespace] });
      expect(ofA.map((e) => [e.runId, e.type])).toEqual([
        [a.id, 'run.created'],
        [a.id, 'run.started'],
        [a.id, 'run.finished'],
      ]);
      const both = await store.readRunEvents({
        afterId: 0,
        limit: 1000,
        namespaces: [a.namespace, b.namespace],
      });
      expect(both).toHaveLength(4);
      const first = ofA[0]?.id ?? 0;
      const page = await store.readRunEvents({ afterId: first, limit: 1, namespaces: [a.namespace] });
      expect(page.map((e) => e.type)).toEqual(['run.started']);
      expect(await store.readRunEvents({ afterId: 0, limit: 1000, namespaces: [] })).toEqual([]);
      const onlyB = await store.readRunEvents({ afterId: 0, limit: 1000, runId: b.id });
      expect(onlyB.map((e) => e.namespace)).toEqual([b.namespace]);
    });

    it('skips an appended event whose key is already journaled', async () => {
      const { store } = fixture;
      const run = makeRun();
      const attempt = makeAttempt({ runId: run.id, state: 'running' });
      const key = `task.started:${attempt.id}`;
      await store.appendRunEvents([event('task.started', run, attempt, { key })]);
      await store.appendRunEvents([event('task.started', run, attempt, { key })]);
      const read = await store.readRunEvents({ afterId: 0, limit: 1000, runId: run.id });
      expect(read.map((e) => e.type)).toEqual(['task.started']);
    });

    it('calls onRunEvents listeners after events were written', async () => {
      const { store } = fixture;
      const run = makeRun();
      const called = nextCall((listener) => store.onRunEvents(listener));
      await store.appendRunEvents([event('run.created', run)]);
      await expect(called).resolves.toBeUndefined();
    });

    it('prunes events created before a cut-off, oldest first, in bounded batches', async () => {
      const { store } = fixture;
      const old = [1, 2, 3].map(() => makeRun({ id: testId(), createdAt: ANCIENT }));
      const recent = makeRun({ createdAt: ANCIENT + 100 });
      await store.appendRunEvents([...old.map((r) => event('run.created', r)), event('run.created', recent)]);
      expect(await store.deleteRunEventsBefore(ANCIENT + 50, 2)).toBe(2);
      let deleted = 2;
      for (let round = 0; round < 100; round++) {
        const n = await store.deleteRunEventsBefore(ANCIENT + 50, 500);
        deleted += n;
        if (n === 0) break;
      }
      expect(deleted).toBeGreaterThanOrEqual(3);
      for (const r of old)
        expect(await store.readRunEvents({ afterId: 0, limit: 10, runId: r.id })).toEqual([]);
      expect(await store.readRunEvents({ afterId: 0, limit: 10, runId: recent.id })).toHaveLength(1);
    });
  });
}
