import { toRaw } from 'vue';

/**
 * Makes the reactive record `target` hold exactly `source`'s entries, writing only the keys whose value
 * changed (by `same`, identity by default) and deleting the keys `source` no longer has.
 *
 * Vue tracks a reactive object's keys one by one: a component that read `target[key]` re-renders when that
 * key is written, not when another one is. The run view hands the graph its tasks' states this way, so a
 * live event re-renders the one node (and its arrows) whose task changed, where a new object at every
 * event re-rendered every node and arrow on screen. Reads go to the raw object, so that a watcher calling
 * this does not depend on what it writes.
 */
export function syncRecord<V>(
  target: Record<string, V>,
  source: ReadonlyMap<string, V>,
  same: (a: V, b: V) => boolean = Object.is,
): void {
  const raw = toRaw(target);
  for (const [key, value] of source) {
    if (Object.hasOwn(raw, key) && same(raw[key]!, value)) continue;
    target[key] = value;
  }
  // Every key of `source` is there now: more keys means some went away (a run replaced by another).
  if (Object.keys(raw).length === source.size) return;
  for (const key of Object.keys(raw)) if (!source.has(key)) delete target[key];
}
