/**
 * Maps a list to objects, reusing the object built for a key while the inputs it was built from stay the
 * same (compared by identity). Vue Flow copies every node and edge it is given into its store: a new
 * object per task on each recomputation makes it re-render every node on screen and re-measure them,
 * while with the previous objects handed back only the tasks that really changed move.
 */
export interface KeyedMemo<S, T> {
  /**
   * The objects for `items`, in order; keys absent from `items` are forgotten. When every object is the
   * one handed out last time, the previous array itself is returned: a computed giving it back does not
   * trigger what reads it.
   */
  map(items: readonly S[]): T[];
}

export function keyedMemo<S, T>(
  key: (item: S) => string,
  inputs: (item: S) => readonly unknown[],
  build: (item: S) => T,
): KeyedMemo<S, T> {
  let last = new Map<string, { inputs: readonly unknown[]; value: T }>();
  let lastOut: T[] = [];
  return {
    map(items) {
      const next = new Map<string, { inputs: readonly unknown[]; value: T }>();
      const out: T[] = [];
      for (const item of items) {
        const k = key(item);
        const now = inputs(item);
        const before = last.get(k);
        const value = before && sameInputs(before.inputs, now) ? before.value : build(item);
        next.set(k, { inputs: now, value });
        out.push(value);
      }
      last = next;
      if (out.length !== lastOut.length || out.some((v, i) => v !== lastOut[i])) lastOut = out;
      return lastOut;
    },
  };
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}
