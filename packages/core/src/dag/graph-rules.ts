/** Cross-field rules about the graph: duplicates, references, cycles, roots. */
import type { DagIssue } from './issues.js';
import { buildGraph, findCycles, kahn, type Graph } from './graph.js';
import { pointer } from './pointer.js';
import { label, type TaskView } from './view.js';

/** The issue for one cycle (task names, first repeated last), placed on the edge that closes it. */
export function cycleIssue(cycle: readonly string[], where?: { task: number; entry: number }): DagIssue {
  const first = cycle[0] ?? '';
  return {
    code: 'CYCLE',
    path: where === undefined ? '/tasks' : pointer('tasks', where.task, 'runAfter', where.entry),
    task: first,
    message: `cycle: ${cycle.join(' → ')}`,
    cycle,
  };
}

export interface GraphCheck {
  issues: DagIssue[];
  graph: Graph;
  /** Topological order (indices into `graph.names`); complete only when there is no cycle. */
  order: number[];
}

export function checkGraph(tasks: readonly TaskView[]): GraphCheck {
  const issues: DagIssue[] = [];
  let allNamed = true;
  for (let t = 0; t < tasks.length && allNamed; t++) allNamed = (tasks[t] as TaskView).name !== undefined;
  const named = allNamed
    ? (tasks as readonly (TaskView & { name: string })[])
    : tasks.filter((t): t is TaskView & { name: string } => t.name !== undefined);
  const graph = buildGraph(named);
  // Every task named, each name once, every reference resolved: the common case, in which the loops
  // below would look every name and reference up again only to find nothing to report.
  const clean =
    named.length === tasks.length && graph.names.length === named.length && graph.unresolved === 0;
  // The first task of each name, by graph index; a later task of the same name is a duplicate. Without
  // duplicates the graph index is the position among the named tasks.
  const firstOf: TaskView[] = graph.names.length === named.length ? (named as TaskView[]) : [];
  for (const task of firstOf === named ? [] : named) {
    const i = graph.index.get(task.name) as number;
    const earlier = firstOf[i];
    if (earlier === undefined) {
      firstOf[i] = task;
      continue;
    }
    issues.push({
      code: 'DUPLICATE_TASK',
      path: pointer('tasks', task.index, 'name'),
      task: task.name,
      message: `task "${task.name}" is defined more than once (first at /tasks/${earlier.index})`,
    });
  }
  for (const task of clean ? [] : tasks) {
    const runAfter = task.runAfter;
    for (let index = 0; index < runAfter.length; index++) {
      const value = runAfter[index];
      if (typeof value !== 'string' || (value !== task.name && graph.index.has(value))) continue;
      const base = {
        path: pointer('tasks', task.index, 'runAfter', index),
        ...(task.name === undefined ? {} : { task: task.name }),
      };
      if (value === task.name) {
        issues.push({ code: 'SELF_DEPENDENCY', ...base, message: `${label(task)} runs after itself` });
      } else {
        issues.push({
          code: 'UNKNOWN_DEPENDENCY',
          ...base,
          message: `${label(task)} runs after "${value}", which is not a task`,
        });
      }
    }
  }
  if (tasks.length > 0 && !tasks.some((t) => t.runAfter.length === 0)) {
    issues.push({
      code: 'NO_ROOT_TASK',
      path: '/tasks',
      message: 'no task can start: every task has runAfter',
    });
  }
  const order = kahn(graph);
  if (order.length < graph.names.length) {
    for (const cycle of findCycles(graph, order)) {
      const names = cycle.map((i) => graph.names[i] as string);
      // The closing edge: the cycle's first task runs after its last-but-one.
      const head = firstOf[cycle[0] as number];
      const entry = head?.runAfter.indexOf(names[names.length - 2]) ?? -1;
      issues.push(cycleIssue(names, head && entry >= 0 ? { task: head.index, entry } : undefined));
    }
  }
  return { issues, graph, order };
}
