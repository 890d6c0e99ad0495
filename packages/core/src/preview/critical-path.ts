/**
 * The critical path: the heaviest chain of tasks from a root to a leaf, the shortest time the run can take
 * with unlimited parallelism. Weights are estimated durations (history, timeouts); by default every task
 * weighs 1, which makes it the longest chain by task count.
 */
import type { CompiledDag } from '../dag/compiled.js';

/** The heaviest root-to-leaf chain and its total weight. */
export interface CriticalPath {
  /** Task names from root to leaf. */
  readonly tasks: readonly string[];
  /** The sum of the chain's weights. */
  readonly weight: number;
}

/**
 * Dynamic programming over the topological order: each task's best chain is its own weight plus its
 * heaviest parent's. Ties go to the earlier task in topological order, so the answer is stable.
 * Tasks in `excluded` (skipped by a condition) weigh 0 and are left out of the chain they pass through.
 */
export function criticalPath(
  dag: CompiledDag,
  weightOf: (task: string) => number,
  excluded: ReadonlySet<string> = new Set(),
): CriticalPath {
  const best = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  let end: string | undefined;
  for (const name of dag.order) {
    const task = dag.tasks.get(name);
    if (task === undefined) continue;
    let parent: string | undefined;
    let parentWeight = 0;
    for (const p of task.runAfter) {
      const w = best.get(p) ?? 0;
      if (parent === undefined || w > parentWeight) {
        parent = p;
        parentWeight = w;
      }
    }
    const own = excluded.has(name) ? 0 : Math.max(0, weightOf(name));
    best.set(name, parentWeight + own);
    via.set(name, parent);
    if (end === undefined || (best.get(name) ?? 0) > (best.get(end) ?? 0)) end = name;
  }
  const tasks: string[] = [];
  for (let at = end; at !== undefined; at = via.get(at)) if (!excluded.has(at)) tasks.push(at);
  tasks.reverse();
  return { tasks, weight: end === undefined ? 0 : (best.get(end) ?? 0) };
}
