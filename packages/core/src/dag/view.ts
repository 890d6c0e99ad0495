/**
 * A lenient reading of a document that may have failed the shape check, so that cross-field rules can
 * still run on the parts that make sense and every problem is reported at once.
 */
import { isObject, own, type PlainObject } from './guards.js';

export interface TaskView {
  readonly index: number;
  readonly raw: PlainObject;
  /** The name when it is a non-empty string. */
  readonly name: string | undefined;
  /** `runAfter` as written (entries may be of any type when the shape check failed); `[]` when absent. */
  readonly runAfter: readonly unknown[];
}

export interface Entry<T> {
  readonly value: T;
  readonly index: number;
}

/** Entries of `object[key]` that pass `guard`, each with its array index. */
export function entries<T>(object: PlainObject, key: string, guard: (v: unknown) => v is T): Entry<T>[] {
  const list = own(object, key);
  if (!Array.isArray(list)) return [];
  const out: Entry<T>[] = [];
  list.forEach((value: unknown, index) => {
    if (guard(value)) out.push({ value, index });
  });
  return out;
}

export const isString = (v: unknown): v is string => typeof v === 'string';

/** Shared by every view of a task without `runAfter`. */
const NO_ENTRIES: readonly unknown[] = Object.freeze([]);

/** The tasks (or, with `key` `onExit`, the exit handlers) that are objects, with their document index. */
export function taskViews(doc: PlainObject, key: 'tasks' | 'onExit' = 'tasks'): TaskView[] {
  const tasks = own(doc, key);
  if (!Array.isArray(tasks)) return [];
  const views: TaskView[] = [];
  // A loop, not forEach: one view per task of a 10,000-task document, mostly before the JIT has run.
  for (let index = 0; index < tasks.length; index++) {
    const raw: unknown = tasks[index];
    if (!isObject(raw)) continue;
    const name = own(raw, 'name');
    const runAfter = own(raw, 'runAfter');
    views.push({
      index,
      raw,
      name: typeof name === 'string' && name !== '' ? name : undefined,
      runAfter: Array.isArray(runAfter) ? runAfter : NO_ENTRIES,
    });
  }
  return views;
}

/** `task "x"` or `task #3` for messages. */
export function label(task: TaskView): string {
  return task.name === undefined ? `task #${task.index}` : `task "${task.name}"`;
}
