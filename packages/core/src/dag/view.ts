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
  /** Which of the fields the rules branch on the task has (`Field` bits): set for a value other than undefined. */
  readonly fields: number;
}

/**
 * Bits of `TaskView.fields`. The rules ask each task of a 10,000-task document whether it has about twenty
 * fields, nearly all absent; one walk over the fields it does have answers them all, where twenty
 * `hasOwnProperty` calls per task were a tenth of validating it (more before the JIT had optimised them).
 */
export const Field = {
  type: 1,
  image: 1 << 1,
  command: 1 << 2,
  args: 1 << 3,
  script: 1 << 4,
  env: 1 << 5,
  conditional: 1 << 6,
  parameters: 1 << 7,
  taskRef: 1 << 8,
  with: 1 << 9,
  outputs: 1 << 10,
  when: 1 << 11,
  forEach: 1 << 12,
  approval: 1 << 13,
} as const;

/** The `Field` bit of a task field's name; 0 for the others. */
function fieldBit(key: string): number {
  // Most frequent first: a chain of comparisons of interned names, no lookup table with a prototype.
  switch (key) {
    case 'image':
      return Field.image;
    case 'command':
      return Field.command;
    case 'script':
      return Field.script;
    case 'args':
      return Field.args;
    case 'type':
      return Field.type;
    case 'env':
      return Field.env;
    case 'conditional':
      return Field.conditional;
    case 'parameters':
      return Field.parameters;
    case 'taskRef':
      return Field.taskRef;
    case 'with':
      return Field.with;
    case 'outputs':
      return Field.outputs;
    case 'when':
      return Field.when;
    case 'forEach':
      return Field.forEach;
    case 'approval':
      return Field.approval;
    default:
      return 0;
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * One task's view, from one walk over its own enumerable fields (those a JSON or YAML document has, and
 * those the compiled DAG's frozen copy keeps).
 */
function readTask(raw: PlainObject, index: number): TaskView {
  let name: unknown;
  let runAfter: unknown;
  let fields = 0;
  for (const key in raw) {
    if (!hasOwn.call(raw, key)) continue;
    const value = raw[key];
    if (value === undefined) continue;
    if (key === 'name') name = value;
    else if (key === 'runAfter') runAfter = value;
    else fields |= fieldBit(key);
  }
  return {
    index,
    raw,
    name: typeof name === 'string' && name !== '' ? name : undefined,
    runAfter: Array.isArray(runAfter) ? runAfter : NO_ENTRIES,
    fields,
  };
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
    if (isObject(raw)) views.push(readTask(raw, index));
  }
  return views;
}

/** `task "x"` or `task #3` for messages. */
export function label(task: TaskView): string {
  return task.name === undefined ? `task #${task.index}` : `task "${task.name}"`;
}
