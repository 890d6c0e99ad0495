/**
 * Where an attempt sits in a snapshot's attempt list, by id, without a pass over the list per lookup.
 *
 * Why: a commit touches a few attempts, but finding them by scanning the list made every step of a long
 * run cost O(attempts) several times over (the lanes' outcome check, each `applyRunCommit`, the events
 * of the commit, the worker cache's overlay): on a 1,000-task chain, a measurable share of each step.
 *
 * How: the index of a list (id → position) is built once, on the first lookup, and kept beside the list
 * (a WeakMap, so it goes with it). A list derived from another by replacing attempts in place (same ids at
 * the same positions) and appending new ones, as `applyRunCommit` and the cache's overlay derive them,
 * shares the index of the one it came from (`derivePositions`): the next step's lookups are O(1) without
 * indexing again.
 *
 * Lists sharing one index may have appended different attempts at one position (two commits planned on the
 * same snapshot): a lookup checks that the attempt at the position has the id, and falls back to a scan
 * when it does not. An id the shared index does not hold is in none of the lists that share it, as every
 * one of them was indexed in full or derived by the rules above. Lists are never changed once indexed;
 * a list whose length changed since anyway is indexed again.
 */
import type { AttemptRecord } from './records.js';

interface Positions {
  /** Id → position, shared by the lists derived from one another. */
  readonly byId: Map<string, number>;
  /** The length of the list when it was indexed (or derived). */
  readonly length: number;
}

const indexes = new WeakMap<readonly AttemptRecord[], Positions>();

function positionsOf(list: readonly AttemptRecord[]): Positions {
  const known = indexes.get(list);
  if (known !== undefined && known.length === list.length) return known;
  const byId = new Map<string, number>();
  for (let i = 0; i < list.length; i++) byId.set((list[i] as AttemptRecord).id, i);
  const positions = { byId, length: list.length };
  indexes.set(list, positions);
  return positions;
}

/** The position of attempt `id` in `list`, or -1 when it holds no such attempt. */
export function attemptPosition(list: readonly AttemptRecord[], id: string): number {
  const i = positionsOf(list).byId.get(id);
  if (i === undefined) return -1;
  if (i < list.length && (list[i] as AttemptRecord).id === id) return i;
  // Another list sharing the index appended this id elsewhere: look for it here the slow way.
  for (let k = 0; k < list.length; k++) if ((list[k] as AttemptRecord).id === id) return k;
  return -1;
}

/** The attempt `id` of `list`, or undefined. */
export function attemptIn(list: readonly AttemptRecord[], id: string): AttemptRecord | undefined {
  const i = attemptPosition(list, id);
  return i < 0 ? undefined : list[i];
}

/**
 * Lets `derived` share the index of `base`. Only for a list made from `base` by replacing attempts with
 * ones of the same id at the same positions and appending attempts `base` does not hold, and only once
 * it is complete (nothing may change it afterwards).
 */
export function derivePositions(base: readonly AttemptRecord[], derived: readonly AttemptRecord[]): void {
  const positions = indexes.get(base);
  // Not indexed yet: the derived list is indexed on its own first lookup.
  if (positions === undefined || positions.length !== base.length) return;
  const { byId } = positions;
  for (let i = base.length; i < derived.length; i++) byId.set((derived[i] as AttemptRecord).id, i);
  indexes.set(derived, { byId, length: derived.length });
}
