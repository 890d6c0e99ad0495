/**
 * A `Clock` whose time moves only when a test says so. Timers fire in due-time order (ties in the order
 * they were set), and the microtask queue is drained after each one, so async work a timer starts (a
 * store call, a promise chain) has settled before the next timer fires or `advance` resolves.
 */
import type { Clock } from '../ports/clock.js';
import { MinHeap } from '../util/min-heap.js';

/** The handle `FakeClock.setTimeout` returns; only `FakeClock.clearTimeout` understands it. */
export interface FakeTimerHandle {
  readonly id: number;
  /** When the timer is due, in the fake clock's epoch ms. */
  readonly at: number;
}

interface FakeTimer extends FakeTimerHandle {
  readonly callback: () => void;
}

/** 2026-01-01T00:00:00Z: a fixed start so that tests print the same times on every run. */
export const FAKE_CLOCK_START = Date.UTC(2026, 0, 1);

/** `runAll` stops after this many timers: a timer that always re-arms itself would never end. */
const RUN_ALL_LIMIT = 100_000;

/** Lets every queued microtask (and every promise chain they start) run to completion. */
function drainMicrotasks(): Promise<void> {
  // A macrotask runs only once the microtask queue is empty, however long the chains in it are.
  return new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  /** Timers by id; a cleared timer leaves the map but stays in the heap until it surfaces. */
  readonly #pending = new Map<number, FakeTimer>();
  readonly #queue = new MinHeap<FakeTimer>((a, b) => a.at - b.at || a.id - b.id);

  /** @param start the initial time in epoch ms. @default Date.UTC(2026, 0, 1) */
  constructor(start: number = FAKE_CLOCK_START) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): FakeTimerHandle {
    // Like Node: negative, NaN or missing delays mean "as soon as possible".
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: FakeTimer = { id: this.#nextId++, at: this.#now + delay, callback };
    this.#pending.set(timer.id, timer);
    this.#queue.push(timer);
    return { id: timer.id, at: timer.at };
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'object' && handle !== null && 'id' in handle && typeof handle.id === 'number') {
      this.#pending.delete(handle.id);
    }
  }

  /** How many timers are set and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#pending.size;
  }

  /** When the next timer is due, or null when none is pending. */
  get nextTimerAt(): number | null {
    return this.#peek()?.at ?? null;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (including new ones). */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance needs a non-negative duration, got ${ms}`);
    return this.advanceTo(this.#now + ms);
  }

  /** Moves time forward to `time` (epoch ms); a time in the past only drains due timers. */
  async advanceTo(time: number): Promise<void> {
    await drainMicrotasks();
    for (;;) {
      const next = this.#peek();
      if (next === undefined || next.at > time) break;
      this.#fire(next);
      await drainMicrotasks();
    }
    if (time > this.#now) this.#now = time;
    await drainMicrotasks();
  }

  /**
   * Fires timers, moving time to each, until none is pending, including timers those timers set.
   * Throws after 100,000 timers, which means something re-arms itself forever.
   */
  async runAll(): Promise<void> {
    await drainMicrotasks();
    for (let fired = 0; ; fired++) {
      const next = this.#peek();
      if (next === undefined) return;
      if (fired >= RUN_ALL_LIMIT) {
        throw new Error(`FakeClock.runAll fired ${RUN_ALL_LIMIT} timers and more keep coming`);
      }
      this.#fire(next);
      await drainMicrotasks();
    }
  }

  /** The earliest live timer; cleared ones are dropped from the heap as they surface. */
  #peek(): FakeTimer | undefined {
    for (;;) {
      const top = this.#queue.peek();
      if (top === undefined || this.#pending.has(top.id)) return top;
      this.#queue.pop();
    }
  }

  #fire(timer: FakeTimer): void {
    this.#queue.pop();
    this.#pending.delete(timer.id);
    if (timer.at > this.#now) this.#now = timer.at;
    timer.callback();
  }
}
