/** Turns a validated DagSpec and its graph into the frozen CompiledDag the engine receives. */
import {
  DEFAULT_BACKOFF_LIMIT,
  DEFAULT_TRIGGER_RULE,
  type CompiledDag,
  type CompiledTask,
} from './compiled.js';
import type { Graph } from './graph.js';
import type { DagSpec, TaskSpec } from './schema.js';
import { frozenCopy } from './freeze.js';

/** No parents, or no children: one frozen empty array shared by every task that has none. */
const NONE: readonly string[] = Object.freeze([]);

/** One task's CompiledTask with defaults applied (also used by the test kit's `compileUnchecked`). */
export function compileTask(
  spec: Readonly<TaskSpec>,
  runAfter: readonly string[],
  children: readonly string[],
): CompiledTask {
  return compiledTask(spec, Object.freeze(runAfter), Object.freeze(children));
}

/**
 * `compileTask` for lists that are frozen already: validation hands over the frozen spec's own `runAfter`
 * and the shared empty list for most tasks, and `Object.freeze` is a call into the runtime even on a frozen
 * array (two per task of a 10,000-task DAG).
 */
function compiledTask(
  spec: Readonly<TaskSpec>,
  runAfter: readonly string[],
  children: readonly string[],
): CompiledTask {
  return Object.freeze({
    name: spec.name,
    spec,
    runAfter,
    children,
    backoffLimit: spec.backoff?.limit ?? DEFAULT_BACKOFF_LIMIT,
    retryCodes: spec.conditional?.enabled === true ? new Set(spec.conditional.retryCodes) : null,
    timeoutSeconds: spec.timeoutSeconds ?? spec.podTemplate?.activeDeadlineSeconds,
    outputs: spec.outputs === undefined ? NONE : Object.freeze(spec.outputs.map((o) => o.name)),
    triggerRule: spec.triggerRule ?? DEFAULT_TRIGGER_RULE,
    when: spec.when,
    forEach: spec.forEach,
  });
}

/** A list's graph and topological order (indices into `graph.names`), as `checkGraph` returns them. */
export interface ListGraph {
  readonly graph: Graph;
  readonly order: readonly number[];
}

/**
 * Builds the CompiledDag. Each graph and order must come from the same document, with no cycle, no
 * duplicate and no unknown reference (validation has checked).
 */
export function assemble(doc: DagSpec, main: ListGraph, exits?: ListGraph): CompiledDag {
  const spec = frozenCopy(doc);
  const tasks = compileList(spec.tasks, main);
  const onExit =
    exits === undefined || spec.onExit === undefined ? new Map() : compileList(spec.onExit, exits);
  return Object.freeze({
    spec,
    name: spec.name,
    tasks,
    order: Object.freeze(main.order.map((i) => main.graph.names[i] as string)),
    onExit,
    exitOrder:
      exits === undefined ? NONE : Object.freeze(exits.order.map((i) => exits.graph.names[i] as string)),
    activeDeadlineSeconds: spec.activeDeadlineSeconds,
  });
}

/**
 * Children names per task (frozen), in topological order; undefined for a leaf. When document order is the
 * topological order, each parent's child list (kept in document order) already is; otherwise walking the
 * order and appending each task to its parents' lists gives it, without sorting.
 */
function childNames({ graph, order }: ListGraph): (readonly string[] | undefined)[] {
  const { names, parentStart, parentList, childStart, childList } = graph;
  const children = new Array<readonly string[] | undefined>(names.length);
  if (graph.forward) {
    for (let p = 0; p < names.length; p++) {
      const from = childStart[p] as number;
      const to = childStart[p + 1] as number;
      if (from === to) continue;
      const list = new Array<string>(to - from);
      for (let e = from; e < to; e++) list[e - from] = names[childList[e] as number] as string;
      children[p] = Object.freeze(list);
    }
    return children;
  }
  for (let k = 0; k < order.length; k++) {
    const taskIndex = order[k] as number;
    for (let e = parentStart[taskIndex] as number; e < (parentStart[taskIndex + 1] as number); e++) {
      ((children[parentList[e] as number] ??= []) as string[]).push(names[taskIndex] as string);
    }
  }
  for (let p = 0; p < children.length; p++) if (children[p] !== undefined) Object.freeze(children[p]);
  return children;
}

/** Parent names of `taskIndex` (frozen) when its `runAfter` repeats one (otherwise the spec's own array serves). */
function parentNames(graph: Graph, taskIndex: number): readonly string[] {
  const from = graph.parentStart[taskIndex] as number;
  const count = (graph.parentStart[taskIndex + 1] as number) - from;
  if (count === 0) return NONE;
  const list = new Array<string>(count);
  for (let e = 0; e < count; e++) list[e] = graph.names[graph.parentList[from + e] as number] as string;
  return Object.freeze(list);
}

function compileList(specs: readonly TaskSpec[], list: ListGraph): Map<string, CompiledTask> {
  const { graph, order } = list;
  const children = childNames(list);
  const tasks = new Map<string, CompiledTask>();
  for (let k = 0; k < order.length; k++) {
    const taskIndex = order[k] as number;
    const taskSpec = specs[taskIndex] as TaskSpec;
    // In a valid document `runAfter` lists known tasks other than itself, so it equals the parents unless
    // it repeats one: the frozen spec's own array then serves, one array per task fewer.
    const written = taskSpec.runAfter;
    const count = (graph.parentStart[taskIndex + 1] as number) - (graph.parentStart[taskIndex] as number);
    const parents =
      written !== undefined && written.length === count ? written : parentNames(graph, taskIndex);
    tasks.set(graph.names[taskIndex] as string, compiledTask(taskSpec, parents, children[taskIndex] ?? NONE));
  }
  return tasks;
}
