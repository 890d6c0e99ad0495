import { describe, expect, it } from 'vitest';
import { FakeClock, FAKE_CLOCK_START } from '../../src/testing/index.js';

describe('FakeClock', () => {
  it('starts at 2026-01-01T00:00:00Z unless told otherwise', () => {
    expect(new FakeClock().now()).toBe(Date.UTC(2026, 0, 1));
    expect(FAKE_CLOCK_START).toBe(Date.UTC(2026, 0, 1));
    expect(new FakeClock(42).now()).toBe(42);
  });

  it('moves time only when advanced', async () => {
    const clock = new FakeClock(1000);
    expect(clock.now()).toBe(1000);
    await clock.advance(250);
    expect(clock.now()).toBe(1250);
    await clock.advanceTo(5000);
    expect(clock.now()).toBe(5000);
    await clock.advanceTo(10); // the past: time never goes back
    expect(clock.now()).toBe(5000);
  });

  it('fires due timers in time order, ties in the order they were set, each at its own time', async () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`b1@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`b2@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`late@${clock.now()}`), 100);
    expect(clock.pendingTimers).toBe(5);
    await clock.advance(30);
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextTimerAt).toBe(100);
    expect(clock.now()).toBe(30);
  });

  it('does not fire a timer before its time', async () => {
    const clock = new FakeClock(0);
    let fired = false;
    clock.setTimeout(() => (fired = true), 1000);
    await clock.advance(999);
    expect(fired).toBe(false);
    await clock.advance(1);
    expect(fired).toBe(true);
  });

  it('never fires a cleared timer and ignores foreign handles', async () => {
    const clock = new FakeClock(0);
    let fired = 0;
    const handle = clock.setTimeout(() => fired++, 10);
    clock.setTimeout(() => fired++, 20);
    clock.clearTimeout(handle);
    clock.clearTimeout(handle);
    clock.clearTimeout(undefined);
    clock.clearTimeout({ id: 'x' });
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(100);
    expect(fired).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.nextTimerAt).toBeNull();
  });

  it('fires timers set by a timer when they fall due within the same advance', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    const tick = (): void => {
      fired.push(clock.now());
      if (fired.length < 5) clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    await clock.advance(350);
    expect(fired).toEqual([100, 200, 300]);
    expect(clock.now()).toBe(350);
    expect(clock.pendingTimers).toBe(1);
  });

  it('settles async work started by a timer before the next timer fires', async () => {
    const clock = new FakeClock(0);
    const events: string[] = [];
    clock.setTimeout(() => {
      void (async () => {
        for (let i = 0; i < 20; i++) await Promise.resolve();
        events.push('async done');
      })();
    }, 10);
    clock.setTimeout(() => events.push('second timer'), 10);
    clock.setTimeout(() => events.push('third timer'), 11);
    await clock.advance(11);
    // Both timers are due at 10: without draining microtasks in between, 'second timer' would come first.
    expect(events).toEqual(['async done', 'second timer', 'third timer']);
  });

  it('treats negative and NaN delays as zero', async () => {
    const clock = new FakeClock(50);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(1), -5);
    clock.setTimeout(() => fired.push(2), Number.NaN);
    await clock.advance(0);
    expect(fired).toEqual([1, 2]);
  });

  it('refuses to go backwards by a negative duration', () => {
    expect(() => new FakeClock().advance(-1)).toThrow(RangeError);
  });

  it('runAll fires everything, moving time to the last timer', async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5000);
    }, 1000);
    await clock.runAll();
    expect(fired).toEqual([1000, 6000]);
    expect(clock.now()).toBe(6000);
    expect(clock.pendingTimers).toBe(0);
  });

  it('runAll gives up on a timer that re-arms itself forever', async () => {
    const clock = new FakeClock(0);
    const forever = (): void => void clock.setTimeout(forever, 1);
    clock.setTimeout(forever, 1);
    await expect(clock.runAll()).rejects.toThrow(/more keep coming/);
  });
});
