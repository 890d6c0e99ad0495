/** Turns a validated DagSpec and its graph into the frozen CompiledDag the engine receives. */
import { DEFAULT_BACKOFF_LIMIT, type CompiledDag, type CompiledTask } from './compiled.js';
import type { Graph } from './graph.js';
import type { DagSpec, TaskSpec } from './schema.js';
import { frozenCopy } from './freeze.js';

function compileTask(
  spec: Readonly<TaskSpec>,
  runAfter: readonly string[],
  children: readonly string[],
): CompiledTask {
  return Object.freeze({
    name: spec.name,
    spec,
    runAfter: Object.freeze(runAfter),
    children: Object.freeze(children),
    backoffLimit: spec.backoff?.limit ?? DEFAULT_BACKOFF_LIMIT,
    retryCodes: spec.conditional?.enabled === true ? new Set(spec.conditional.retryCodes) : null,
    timeoutSeconds: spec.timeoutSeconds ?? spec.podTemplate?.activeDeadlineSeconds,
  });
}

/**
 * Builds the CompiledDag. `graph` and `order` must come from the same document, with no cycle, no
 * duplicate and no unknown reference (validation has checked).
 */
export function assemble(doc: DagSpec, graph: Graph, order: readonly number[]): CompiledDag {
  const spec = frozenCopy(doc);
  const names = graph.names;
  // Children in topological order: walking the order and appending each task to its parents' lists
  // gives exactly that, without sorting.
  const children: string[][] = names.map(() => []);
  for (const taskIndex of order) {
    for (const p of graph.parents[taskIndex] as readonly number[]) {
      (children[p] as string[]).push(names[taskIndex] as string);
    }
  }
  const tasks = new Map<string, CompiledTask>();
  for (const taskIndex of order) {
    const name = names[taskIndex] as string;
    const taskSpec = spec.tasks[taskIndex] as TaskSpec;
    const parents = (graph.parents[taskIndex] as readonly number[]).map((p) => names[p] as string);
    tasks.set(name, compileTask(taskSpec, parents, children[taskIndex] as string[]));
  }
  return Object.freeze({
    spec,
    name: spec.name,
    tasks,
    order: Object.freeze(order.map((i) => names[i] as string)),
  });
}
