/**
 * Ordering queries over a DAG: topological order, parallel levels, roots, descendants. Each accepts a
 * CompiledDag (and reuses its order) or a plain `{tasks: {name, runAfter?}[]}`.
 */
import type { CompiledDag } from './compiled.js';
import { Errors } from '../errors/index.js';
import { buildGraph, findCycles, kahn, parentCount, type Graph, type GraphTask } from './graph.js';
import { cycleIssue } from './graph-rules.js';
import { pointer } from './pointer.js';

/** Anything with tasks and their dependencies. */
export type DagLike = CompiledDag | { readonly tasks: readonly GraphTask[] };

interface Ordered {
  readonly graph: Graph;
  /** Indices in topological order. */
  readonly order: readonly number[];
}

function isCompiled(dag: DagLike): dag is CompiledDag {
  return dag.tasks instanceof Map;
}

// Compiled DAGs are immutable, so their graph is computed once per object.
const cache = new WeakMap<object, Ordered>();

function ordered(dag: DagLike): Ordered {
  const cached = cache.get(dag);
  if (cached) return cached;
  // Compiled DAGs keep document order in their spec; plain input is checked for unknown references.
  const tasks: readonly GraphTask[] = isCompiled(dag) ? dag.spec.tasks : dag.tasks;
  if (!isCompiled(dag)) {
    const names = new Set(tasks.map((task) => task.name));
    tasks.forEach((task, t) =>
      (task.runAfter ?? []).forEach((parent, entry) => {
        if (names.has(parent)) return;
        throw Errors.dagInvalid([
          {
            code: 'UNKNOWN_DEPENDENCY',
            path: pointer('tasks', t, 'runAfter', entry),
            task: task.name,
            message: `task "${task.name}" runs after "${parent}", which is not a task`,
          },
        ]);
      }),
    );
  }
  const graph = buildGraph(tasks);
  const order = kahn(graph);
  // A self-reference is dropped by buildGraph, but it is a cycle all the same.
  const self = tasks.find((task) => task.runAfter?.includes(task.name));
  if (self) throw Errors.dagInvalid([cycleIssue([self.name, self.name])]);
  if (order.length < graph.names.length) {
    throw Errors.dagInvalid(
      findCycles(graph, order).map((c) => cycleIssue(c.map((i) => graph.names[i] as string))),
    );
  }
  const result = { graph, order };
  if (isCompiled(dag)) cache.set(dag, result);
  return result;
}

/**
 * A stable topological order: Kahn's algorithm, ready ties broken by document order.
 * @throws KontrolerError `DAG_INVALID` with a `CYCLE` issue when there is a cycle.
 */
export function topologicalOrder(dag: DagLike): string[] {
  if (isCompiled(dag)) return [...dag.order];
  const { graph, order } = ordered(dag);
  return order.map((i) => graph.names[i] as string);
}

/**
 * Tasks grouped by depth: level 0 are the roots, level k the tasks whose deepest parent is at k-1. Tasks
 * in one level may run in parallel. Within a level, document order.
 */
export function levels(dag: DagLike): string[][] {
  const { graph, order } = ordered(dag);
  const depth = new Int32Array(graph.names.length);
  const byLevel: number[][] = [];
  for (const i of order) {
    let d = 0;
    for (let e = graph.parentStart[i] as number; e < (graph.parentStart[i + 1] as number); e++) {
      d = Math.max(d, (depth[graph.parentList[e] as number] as number) + 1);
    }
    depth[i] = d;
    (byLevel[d] ??= []).push(i);
  }
  return byLevel.map((level) => level.sort((a, b) => a - b).map((i) => graph.names[i] as string));
}

/** Tasks with no parents, in document order. */
export function roots(dag: DagLike): string[] {
  const { graph } = ordered(dag);
  return graph.names.filter((_, i) => parentCount(graph, i) === 0);
}

/**
 * Every task that transitively runs after `task`, in topological order (not including `task`).
 * @throws KontrolerError `DAG_INVALID` when `task` is not in the DAG.
 */
export function descendants(dag: DagLike, task: string): string[] {
  const { graph, order } = ordered(dag);
  const start = graph.index.get(task);
  if (start === undefined) {
    throw Errors.dagInvalid([
      { code: 'UNKNOWN_DEPENDENCY', path: '/tasks', task, message: `task "${task}" is not in the DAG` },
    ]);
  }
  const seen = new Uint8Array(graph.names.length);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head] as number;
    for (let e = graph.childStart[v] as number; e < (graph.childStart[v + 1] as number); e++) {
      const child = graph.childList[e] as number;
      if (seen[child] === 0) {
        seen[child] = 1;
        queue.push(child);
      }
    }
  }
  return order.filter((i) => seen[i] === 1).map((i) => graph.names[i] as string);
}
