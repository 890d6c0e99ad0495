// Pure: no control plane.
import { describe, expect, it } from 'vitest';
import { createLostPodChecks } from '../src/lost-pod-checks.js';
import { PodWatcher } from '../src/pod-watchers.js';

/** A check function whose answers the test gives, one pending GET per path. */
function manualChecks() {
  const pending = new Map<string, { resolve: (found: boolean) => void; reject: (e: Error) => void }>();
  const sent: string[] = [];
  const exists = (path: string) =>
    new Promise<boolean>((resolve, reject) => {
      sent.push(path);
      pending.set(path, { resolve, reject });
    });
  const answer = async (path: string, found: boolean | Error) => {
    const check = pending.get(path);
    if (check === undefined) throw new Error(`no check of ${path} is pending`);
    pending.delete(path);
    if (found instanceof Error) check.reject(found);
    else check.resolve(found);
    // The queue moves on in the check's `finally`, a few microtasks later.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { exists, sent, answer };
}

describe('lost-pod checks', () => {
  it('sends a few at a time in arrival order, each watcher once, and skips pods the watch delivered meanwhile', async () => {
    const { exists, sent, answer } = manualChecks();
    const checks = createLostPodChecks(exists, 2);
    const watchers = Array.from({ length: 6 }, () => new PodWatcher());
    watchers.forEach((w, i) => checks.request(w, `p${i}`));
    checks.request(watchers[0]!, 'p0'); // asked again while its check runs: nothing more is sent
    checks.request(watchers[2]!, 'p2'); // and while queued
    expect(sent).toEqual(['p0', 'p1']);
    expect([checks.active, checks.waiting]).toEqual([2, 4]);

    watchers[2]!.notify('add'); // the watch caught up: no check needed
    checks.cancel(watchers[3]!); // the attempt ended
    await answer('p0', true);
    expect(sent).toEqual(['p0', 'p1', 'p4']);
    expect(watchers[0]!.missing).toBe(false);

    await answer('p1', new Error('connection reset')); // unjudged: the attempt asks again later
    expect(watchers[1]!.missing).toBe(false);
    expect(sent).toEqual(['p0', 'p1', 'p4', 'p5']);
    expect([checks.active, checks.waiting]).toEqual([2, 0]);

    await answer('p4', true);
    await answer('p5', true);
    expect([checks.active, checks.waiting]).toEqual([0, 0]);
    checks.request(watchers[0]!, 'p0'); // a later round
    expect(sent.at(-1)).toBe('p0');
  });

  it('marks a pod the apiserver does not know as missing and wakes its attempt, unless the watch delivered it first', async () => {
    const { exists, answer } = manualChecks();
    const checks = createLostPodChecks(exists, 4);
    const [gone, late] = [new PodWatcher(), new PodWatcher()];
    checks.request(gone, 'gone');
    checks.request(late, 'late');
    const woken = gone.wait(undefined);
    await answer('gone', false);
    await woken;
    expect(gone.missing).toBe(true);

    late.notify('add'); // the watch delivered the pod while its GET was out
    await answer('late', false);
    expect(late.missing).toBe(false);
  });

  it('refuses a concurrency that is not positive', () => {
    expect(() => createLostPodChecks(async () => true, 0)).toThrow(RangeError);
  });
});
