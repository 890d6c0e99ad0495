// Pure: no control plane.
import { describe, expect, it } from 'vitest';
import { PodWatcher, PodWatchers } from '../src/pod-watchers.js';

describe('pod watchers', () => {
  it('delivers a pod event to every watcher of that pod only, and forgets removed ones', () => {
    const watchers = new PodWatchers();
    const [a, b, c, other] = [new PodWatcher(), new PodWatcher(), new PodWatcher(), new PodWatcher()];
    for (const w of [a, b, c]) watchers.add('ns', 'p', w);
    watchers.add('ns', 'q', other);
    const elsewhere = new PodWatcher(); // the same name in another namespace
    watchers.add('other', 'p', elsewhere);
    watchers.notify('ns', 'p', 'update');
    expect([a.seen, b.seen, c.seen, other.seen, elsewhere.seen]).toEqual([true, true, true, false, false]);
    expect(watchers.size).toBe(3);

    watchers.remove('ns', 'p', b); // from the middle of the chain
    watchers.notify('ns', 'p', 'delete');
    expect([a.gone, b.gone, c.gone]).toEqual([true, false, true]);
    watchers.remove('ns', 'p', c);
    watchers.remove('ns', 'p', a);
    expect(watchers.size).toBe(2);
    watchers.remove('ns', 'q', other);
    expect(watchers.size).toBe(1);
  });

  it('wakes a wait on an event, on its abort signal, or after the timeout', async () => {
    const watcher = new PodWatcher();
    const waiting = watcher.wait(undefined);
    watcher.notify('update');
    await waiting;

    const abort = new AbortController();
    abort.signal.addEventListener('abort', watcher);
    const aborted = watcher.wait(undefined);
    abort.abort();
    await aborted;

    const t0 = Date.now();
    await watcher.wait(20);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
    // A wake with no wait in progress is a no-op.
    watcher.wake();
  });

  it('calls a sleeper back once, on the first event or at its timeout, never both', async () => {
    const watcher = new PodWatcher();
    let woken = 0;
    watcher.sleep(20, () => woken++);
    watcher.notify('update');
    watcher.notify('update');
    await new Promise((r) => setTimeout(r, 40));
    expect(woken).toBe(1);

    watcher.sleep(10, () => woken++);
    await new Promise((r) => setTimeout(r, 40));
    expect(woken).toBe(2);
    watcher.abort('Canceled');
    expect(woken).toBe(2);
  });
});
