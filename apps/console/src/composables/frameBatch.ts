/**
 * Collects items and hands them over once per animation frame, in arrival order. A live run receives
 * up to hundreds of events a second; applied one by one, each would re-render the run page, while the
 * screen shows at most one state per frame.
 */
export interface FrameBatch<T> {
  push(item: T): void;
  /** Hands over what is waiting now (before a read whose answer must not be overtaken by older items). */
  flush(): void;
  /** Drops what is waiting and stops. */
  cancel(): void;
}

export function frameBatch<T>(
  apply: (items: T[]) => void,
  schedule: (callback: () => void) => () => void = nextFrame,
): FrameBatch<T> {
  let waiting: T[] = [];
  let unschedule: (() => void) | null = null;
  const flush = (): void => {
    unschedule?.();
    unschedule = null;
    if (waiting.length === 0) return;
    const items = waiting;
    waiting = [];
    apply(items);
  };
  return {
    push(item) {
      waiting.push(item);
      unschedule ??= schedule(flush);
    },
    flush,
    cancel() {
      unschedule?.();
      unschedule = null;
      waiting = [];
    },
  };
}

/** The next animation frame, or a 16 ms timer where there is none (tests, workers). */
function nextFrame(callback: () => void): () => void {
  if (typeof requestAnimationFrame === 'function') {
    const id = requestAnimationFrame(() => callback());
    return () => cancelAnimationFrame(id);
  }
  const id = setTimeout(callback, 16);
  return () => clearTimeout(id);
}
