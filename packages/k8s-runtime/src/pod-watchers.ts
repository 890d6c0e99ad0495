/**
 * What running attempts wait on: their pod's watch events and their abort (`ctx.onAbort`, or the signal). A controller holds
 * thousands of these at once, so each is one small object with its behaviour on the prototype, registered
 * by reference: no closures, sets or timers per attempt beyond the wait itself.
 */
import type { InformerEvent } from './informer.js';

function wakeUp(watcher: PodWatcher): void {
  watcher.wake();
}

/** One attempt's view of its pod. Also an `EventListener`, so it can listen to the attempt's abort signal. */
export class PodWatcher {
  /** The pod was added or updated since the attempt started waiting for it. */
  seen = false;
  /** The pod was deleted. */
  gone = false;
  /** A direct check found no such pod, while the watch had not delivered it (lost-pod-checks.ts). */
  missing = false;
  /** The attempt was aborted; `reason` says why (what `signal.reason` holds). */
  aborted = false;
  reason: unknown = undefined;
  /** The next watcher of the same pod, in the rare case one process follows a pod twice. */
  next: PodWatcher | undefined;
  #onWake: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  /** A watch event for the pod. */
  notify(event: InformerEvent): void {
    if (event === 'delete') this.gone = true;
    else this.seen = true;
    this.wake();
  }

  /** A direct check answered 404 for the pod. */
  miss(): void {
    this.missing = true;
    this.wake();
  }

  /** The attempt was aborted. */
  abort(reason: unknown): void {
    this.aborted = true;
    this.reason = reason;
    this.wake();
  }

  /** The abort signal fired (when the context offers no `onAbort`). */
  handleEvent(event: Event): void {
    this.abort((event.target as AbortSignal | null)?.reason);
  }

  /** Ends the current wait, if any. */
  wake(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const onWake = this.#onWake;
    this.#onWake = undefined;
    onWake?.();
  }

  /** Calls `onWake` once, on the next event, abort or wake, or after `timeoutMs` when one is given. */
  sleep(timeoutMs: number | undefined, onWake: () => void): void {
    this.#onWake = onWake;
    if (timeoutMs !== undefined) this.#timer = setTimeout(wakeUp, timeoutMs, this);
  }

  /** Resolves on the next event, abort or wake, or after `timeoutMs` when one is given. */
  wait(timeoutMs: number | undefined): Promise<void> {
    return new Promise<void>((resolve) => this.sleep(timeoutMs, resolve));
  }
}

/**
 * Watchers by pod, each pod's watchers chained through `next`. Keyed by namespace, then name: a
 * `namespace/name` key would be one more string per running attempt.
 */
export class PodWatchers {
  readonly #byNamespace = new Map<string, Map<string, PodWatcher>>();

  add(namespace: string, name: string, watcher: PodWatcher): void {
    let pods = this.#byNamespace.get(namespace);
    if (pods === undefined) this.#byNamespace.set(namespace, (pods = new Map()));
    watcher.next = pods.get(name);
    pods.set(name, watcher);
  }

  remove(namespace: string, name: string, watcher: PodWatcher): void {
    const pods = this.#byNamespace.get(namespace);
    if (pods === undefined) return;
    let head = pods.get(name);
    if (head === watcher) head = watcher.next;
    else
      for (let w = head; w !== undefined; w = w.next)
        if (w.next === watcher) {
          w.next = watcher.next;
          break;
        }
    watcher.next = undefined;
    if (head !== undefined) pods.set(name, head);
    else if (pods.delete(name) && pods.size === 0) this.#byNamespace.delete(namespace);
  }

  notify(namespace: string, name: string, event: InformerEvent): void {
    for (let w = this.#byNamespace.get(namespace)?.get(name); w !== undefined;) {
      const next = w.next; // a woken watcher may remove itself
      w.notify(event);
      w = next;
    }
  }

  /** Pods watched. */
  get size(): number {
    let size = 0;
    for (const pods of this.#byNamespace.values()) size += pods.size;
    return size;
  }
}
