/**
 * `validateDag` and `compileDag`: layer one is the JSON Schema (ajv), layer two the cross-field rules.
 * Every problem is reported at once, and neither function trusts its input to be well-formed.
 */
import type { CompiledDag } from './compiled.js';
import { Errors } from '../errors/index.js';
import type { DagIssue } from './issues.js';
import type { DagSpec } from './schema.js';
import { assemble } from './compile.js';
import { checkGraph } from './graph-rules.js';
import { isObject, own } from './guards.js';
import { MAX_RUN_AFTER, MAX_TASKS } from './limits.js';
import { checkParameters, checkTaskParameters } from './parameter-rules.js';
import { checkSchedule } from './schedule-rules.js';
import { checkShape } from './schema-check.js';
import { checkDagName, checkTask } from './task-rules.js';
import { taskViews } from './view.js';
import { checkExitNames, checkFlow, onExitIssues } from './flow-rules.js';
import { pointer } from './pointer.js';

/** The outcome of `validateDag`: the compiled DAG, or every error found. */
export type DagValidation =
  | { ok: true; errors: []; warnings: DagIssue[]; dag: CompiledDag }
  | { ok: false; errors: DagIssue[]; warnings: DagIssue[] };

/** DOCUMENT_TOO_LARGE issues; checked first so that nothing else runs on an oversized document. */
function checkSize(doc: unknown): DagIssue[] {
  if (!isObject(doc)) return [];
  const tasks = own(doc, 'tasks');
  if (!Array.isArray(tasks)) return [];
  if (tasks.length > MAX_TASKS) {
    return [
      {
        code: 'DOCUMENT_TOO_LARGE',
        path: '/tasks',
        message: `the DAG has ${tasks.length} tasks; at most ${MAX_TASKS} are allowed`,
      },
    ];
  }
  const issues: DagIssue[] = [];
  for (let index = 0; index < tasks.length; index++) {
    const task: unknown = tasks[index];
    const runAfter = isObject(task) ? own(task, 'runAfter') : undefined;
    if (Array.isArray(runAfter) && runAfter.length > MAX_RUN_AFTER) {
      const name = own(task as Record<string, unknown>, 'name');
      issues.push({
        code: 'DOCUMENT_TOO_LARGE',
        path: pointer('tasks', index, 'runAfter'),
        ...(typeof name === 'string' ? { task: name } : {}),
        message: `task ${typeof name === 'string' ? `"${name}"` : `#${index}`} has ${runAfter.length} runAfter entries; at most ${MAX_RUN_AFTER} are allowed`,
      });
    }
  }
  return issues;
}

function validateUnsafe(doc: unknown): DagValidation {
  const tooLarge = checkSize(doc);
  if (tooLarge.length > 0) return { ok: false, errors: tooLarge, warnings: [] };
  const errors = checkShape(doc);
  if (!isObject(doc)) return { ok: false, errors, warnings: [] };
  const tasks = taskViews(doc);
  if (Array.isArray(own(doc, 'tasks')) && (own(doc, 'tasks') as unknown[]).length === 0) {
    errors.push({ code: 'NO_TASKS', path: '/tasks', message: 'the DAG has no tasks' });
  }
  errors.push(...checkDagName(own(doc, 'name')));
  const parameters = checkParameters(doc);
  errors.push(...parameters.issues);
  // The per-task rules append to `errors` directly: two arrays per task (10,000 in the benchmark) added up.
  for (let t = 0; t < tasks.length; t++) {
    const task = tasks[t] as (typeof tasks)[number];
    checkTask(task, errors);
    checkTaskParameters(task, parameters.declared, errors);
  }
  const graph = checkGraph(tasks);
  errors.push(...graph.issues);
  // Exit handlers: the same task rules, their own graph (runAfter names other exit handlers only).
  const exits = taskViews(doc, 'onExit');
  const exitGraph = exits.length === 0 ? undefined : checkGraph(exits);
  if (exitGraph !== undefined) {
    const exitIssues: DagIssue[] = [...exitGraph.issues];
    for (const exit of exits) {
      checkTask(exit, exitIssues);
      checkTaskParameters(exit, parameters.declared, exitIssues);
    }
    errors.push(...onExitIssues(exitIssues), ...checkExitNames(tasks, exits));
  }
  errors.push(...checkFlow(doc, tasks, exits));
  errors.push(...checkSchedule(own(doc, 'schedule'), own(doc, 'timezone')));
  if (errors.length > 0) return { ok: false, errors, warnings: [] };
  const dag = assemble(doc as DagSpec, graph, exitGraph);
  validated.add(dag);
  return { ok: true, errors: [], warnings: [], dag };
}

/** The compiled DAGs that `validateDag` made: only these skip validation when handed back to core. */
const validated = new WeakSet<CompiledDag>();

/**
 * True for a `CompiledDag` that `validateDag`/`compileDag` made (not a look-alike object, nor the test kit's
 * `compileUnchecked`), so that a caller which validated a document once can hand the result on without it
 * being compiled again.
 */
export function isValidatedDag(value: unknown): value is CompiledDag {
  return typeof value === 'object' && value !== null && validated.has(value as CompiledDag);
}

/**
 * Validates a DAG document of unknown shape and, when it is valid, compiles it. Never throws: any
 * input, however malformed, yields a result.
 */
export function validateDag(doc: unknown): DagValidation {
  try {
    return validateUnsafe(doc);
  } catch (error) {
    // Last line of defence (e.g. a getter that throws, or nesting deep enough to exhaust the stack).
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      errors: [{ code: 'SCHEMA', path: '', message: `the document could not be read: ${reason}` }],
      warnings: [],
    };
  }
}

/** Like `validateDag`, but returns the CompiledDag or throws `KontrolerError` `DAG_INVALID` with the issues. */
export function compileDag(doc: unknown): CompiledDag {
  const result = validateDag(doc);
  if (!result.ok) throw Errors.dagInvalid(result.errors);
  return result.dag;
}
