/** Cross-field rules about DAG parameters and the tasks that use them. */
import type { DagIssue } from './issues.js';
import { isObject, own, type PlainObject } from './guards.js';
import { pointer } from './pointer.js';
import { RESERVED_ENV_PREFIX, isReservedEnvName } from './reserved-env.js';
import { entries, Field, isString, label, type TaskView } from './view.js';

/** Declared parameters: both/neither default, duplicates. Returns the issues and the declared names. */
export function checkParameters(doc: PlainObject): { issues: DagIssue[]; declared: Set<string> } {
  const issues: DagIssue[] = [];
  const declared = new Set<string>();
  const list = own(doc, 'parameters');
  if (!Array.isArray(list)) return { issues, declared };
  list.forEach((parameter: unknown, index) => {
    if (!isObject(parameter)) return;
    const name = own(parameter, 'name');
    if (typeof name !== 'string' || name === '') return;
    if (declared.has(name)) {
      issues.push({
        code: 'DUPLICATE_PARAMETER',
        path: pointer('parameters', index, 'name'),
        message: `parameter "${name}" is declared more than once`,
      });
    }
    declared.add(name);
    if (isReservedEnvName(name)) {
      // A task's parameters become variables named as the parameter.
      issues.push({
        code: 'RESERVED_ENV',
        path: pointer('parameters', index, 'name'),
        message: `parameter "${name}": names starting with ${RESERVED_ENV_PREFIX} are the engine's own variables`,
      });
    }
    const hasValue = own(parameter, 'defaultValue') !== undefined;
    const hasSecret = own(parameter, 'defaultFromSecret') !== undefined;
    if (hasValue === hasSecret) {
      issues.push({
        code: 'INVALID_PARAMETER',
        path: pointer('parameters', index),
        message: `parameter "${name}" must have exactly one of defaultValue and defaultFromSecret (it has ${
          hasValue ? 'both' : 'neither'
        })`,
      });
    }
  });
  return { issues, declared };
}

/** UNDECLARED_PARAMETER for each task parameter the DAG does not declare, appended to `issues`. */
export function checkTaskParameters(task: TaskView, declared: ReadonlySet<string>, issues: DagIssue[]): void {
  // Most tasks use no parameters: skip the entry list (one array per task) when there is nothing to read.
  if ((task.fields & Field.parameters) === 0 || !Array.isArray(task.raw['parameters'])) return;
  for (const { value, index } of entries(task.raw, 'parameters', isString)) {
    if (declared.has(value)) continue;
    issues.push({
      code: 'UNDECLARED_PARAMETER',
      path: pointer('tasks', task.index, 'parameters', index),
      ...(task.name === undefined ? {} : { task: task.name }),
      message: `${label(task)} uses parameter "${value}", which the DAG does not declare`,
    });
  }
}
