/** Clock timers the engine owns, so that `stop()` clears every one of them. */
import type { Clock } from '../ports/clock.js';

export class TimerSet {
  readonly #handles = new Set<{ handle: unknown }>();

  constructor(private readonly clock: Clock) {}

  /** Calls `callback` after `ms` (on the engine's clock) unless cleared first. */
  after(ms: number, callback: () => void): () => void {
    const entry: { handle: unknown } = { handle: undefined };
    entry.handle = this.clock.setTimeout(
      () => {
        this.#handles.delete(entry);
        callback();
      },
      Math.max(0, ms),
    );
    this.#handles.add(entry);
    return () => {
      if (this.#handles.delete(entry)) this.clock.clearTimeout(entry.handle);
    };
  }

  clearAll(): void {
    for (const entry of this.#handles) this.clock.clearTimeout(entry.handle);
    this.#handles.clear();
  }
}
