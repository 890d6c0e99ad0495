import { describe, expect, it } from 'vitest';
import { computed, nextTick, shallowReactive, watchEffect } from 'vue';
import type { Attempt } from '../src/api';
import {
  attemptOrder,
  instancesByTask,
  latestAttempts,
  parseInstance,
  sortAttempts,
} from '../src/components/runFlow';
import { runGraphRecords, type RunGraphInput } from '../src/composables/runGraphRecords';
import { syncRecord } from '../src/composables/syncRecord';
import { formatTime } from '../src/format';
import { makeAttempt } from './helpers';

const attempt = makeAttempt;

describe('syncRecord (the run graph re-renders only the tasks an event changed)', () => {
  it('writes only the changed keys, so a reader of another key does not run again', async () => {
    const states = shallowReactive<Record<string, string>>({});
    syncRecord(
      states,
      new Map([
        ['a', 'running'],
        ['b', 'pending'],
      ]),
    );
    const reads = { a: 0, b: 0 };
    watchEffect(() => void (reads.a++, states.a));
    watchEffect(() => void (reads.b++, states.b));
    syncRecord(
      states,
      new Map([
        ['a', 'succeeded'],
        ['b', 'pending'],
      ]),
    );
    await nextTick();
    expect(states).toEqual({ a: 'succeeded', b: 'pending' });
    expect(reads).toEqual({ a: 2, b: 1 });
  });

  it('deletes the keys the source no longer has, and compares values with the given test', () => {
    const rec = shallowReactive<Record<string, { n: number }>>({ a: { n: 1 }, gone: { n: 2 } });
    const kept = rec.a;
    syncRecord(rec, new Map([['a', { n: 1 }]]), (x, y) => x.n === y.n);
    expect(Object.keys(rec)).toEqual(['a']);
    expect(rec.a).toBe(kept);
  });

  it('does not make a watcher that calls it depend on what it writes', async () => {
    const rec = shallowReactive<Record<string, number>>({});
    let runs = 0;
    const source = computed(() => new Map([['a', 1]]));
    watchEffect(() => {
      runs++;
      syncRecord(rec, source.value);
    });
    rec.a = 5;
    await nextTick();
    expect(runs).toBe(1);
  });
});

describe('sortAttempts (the run view sorts a live run of 1,000 attempts at every frame)', () => {
  const key = attemptOrder(['b', 'a', 'fan'], ['cleanup']);

  it('orders by graph order, instances after their task, exit handlers last, then by attempt', () => {
    const attempts = [
      attempt({ id: '1', taskName: 'cleanup' }),
      attempt({ id: '2', taskName: 'a', attempt: 2 }),
      attempt({ id: '3', taskName: 'fan[1]' }),
      attempt({ id: '4', taskName: 'a', attempt: 1 }),
      attempt({ id: '5', taskName: 'fan[0]' }),
      attempt({ id: '6', taskName: 'b' }),
    ];
    expect(sortAttempts(attempts, key).list.map((a) => a.id)).toEqual(['6', '4', '2', '5', '3', '1']);
  });

  it('puts newer copies of the same attempts in their previous places, and sorts again when one is added', () => {
    const first = sortAttempts(
      [attempt({ id: 'x', taskName: 'a' }), attempt({ id: 'y', taskName: 'b' })],
      key,
    );
    const newer = attempt({ id: 'x', taskName: 'a', state: 'succeeded' });
    const second = sortAttempts([newer, attempt({ id: 'y', taskName: 'b' })], key, first);
    expect(second.list.map((a) => a.id)).toEqual(['y', 'x']);
    expect(second.list[1]).toBe(newer);
    expect(second.at).toBe(first.at);
    const third = sortAttempts(
      [...second.list, attempt({ id: 'z', taskName: 'b', attempt: 2 })],
      key,
      second,
    );
    expect(third.list.map((a) => a.id)).toEqual(['y', 'z', 'x']);
    // A duplicate id (never sent, but never trusted) is sorted, not placed over a hole.
    const dup = sortAttempts([newer, newer], key, first);
    expect(dup.list).toEqual([newer, newer]);
  });
});

describe('run view helpers', () => {
  it('parseInstance tells instances from plain tasks', () => {
    expect(parseInstance('fan[12]')).toEqual({ task: 'fan', index: 12 });
    expect(parseInstance('fan')).toBeNull();
    expect(parseInstance('[]')).toBeNull();
  });

  it('formatTime gives what toLocaleString gives, with one formatter', () => {
    const iso = '2026-12-06T10:00:01.000Z';
    expect(formatTime(iso)).toBe(
      new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }),
    );
    expect(formatTime(null)).toBe('—');
    expect(formatTime('not a date')).toBe('—');
  });
});

describe('runGraphRecords (what the run graph shows, brought up to date by the attempts that changed)', () => {
  const tasks = ['a', 'b', 'fan'];
  const exit = new Set(['cleanup']);
  const input = (attempts: Attempt[]): RunGraphInput => ({
    attempts,
    latest: latestAttempts(attempts),
    instances: instancesByTask(attempts),
    tasks,
    exit,
  });
  const plain = (r: object) => JSON.parse(JSON.stringify(r)) as unknown;

  it('after a batch of events, the records are what a full computation gives', () => {
    const first = [
      attempt({ id: '1', taskName: 'a', state: 'succeeded' }),
      attempt({ id: '2', taskName: 'fan[0]' }),
      attempt({ id: '3', taskName: 'fan[1]' }),
    ];
    const live = runGraphRecords();
    live.update(input(first));
    expect(plain(live.records)).toEqual({
      states: { a: 'succeeded', b: 'pending', fan: 'pending', cleanup: 'pending' },
      attempts: { a: 1, 'fan[0]': 1, 'fan[1]': 1 },
      reasons: {},
      instances: { fan: { total: 2, states: { running: 2 } } },
    });
    // As the store applies events: newer copies in place, new attempts appended.
    const next = [
      first[0]!,
      attempt({ id: '2', taskName: 'fan[0]', state: 'succeeded' }),
      first[2]!,
      attempt({ id: '4', taskName: 'b', state: 'skipped', reason: 'ConditionFalse' }),
      attempt({ id: '5', taskName: 'a', attempt: 2 }),
      attempt({ id: '6', taskName: 'cleanup' }),
    ];
    live.update(input(next));
    const fresh = runGraphRecords();
    fresh.update(input(next));
    expect(plain(live.records)).toEqual(plain(fresh.records));
    expect(live.records.states).toMatchObject({ a: 'running', b: 'skipped', cleanup: 'running' });
    expect(live.records.attempts.a).toBe(2);
    expect(live.records.reasons).toEqual({ b: { reason: 'ConditionFalse', message: null } });
    expect(live.records.instances.fan).toEqual({ total: 2, states: { running: 1, succeeded: 1 } });
    // A shorter list (another read of the run) is synced in full: what went away is gone.
    live.update(input([next[3]!]));
    expect(plain(live.records)).toEqual({
      states: { a: 'pending', b: 'skipped', fan: 'pending', cleanup: 'pending' },
      attempts: { b: 1 },
      reasons: { b: { reason: 'ConditionFalse', message: null } },
      instances: {},
    });
  });
});
