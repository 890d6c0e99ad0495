/**
 * Wake-up listeners (`onWork`, `onOutbox`). Listeners run in a microtask after the write that woke them,
 * never inside it, and one that throws is logged and does not stop the others, like a NOTIFY would.
 */
import type { Logger } from '../ports/logger.js';

export class Listeners {
  readonly #listeners = new Set<() => void>();

  constructor(
    private readonly name: string,
    private readonly logger: Logger,
  ) {}

  /** Adds a listener; returns the function that removes it. */
  add(listener: () => void): () => void {
    // Wrap so the same function subscribed twice gets two independent subscriptions.
    const entry = (): void => listener();
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  notify(): void {
    if (this.#listeners.size === 0) return;
    queueMicrotask(() => {
      for (const listener of [...this.#listeners]) {
        try {
          listener();
        } catch (error) {
          this.logger.error({ err: error, listener: this.name }, 'memory store listener threw');
        }
      }
    });
  }

  clear(): void {
    this.#listeners.clear();
  }
}
