/** Cross-field rules about single tasks: names, what runs, image, retry codes. */
import type { DagIssue } from './issues.js';
import { isNonEmptyString, isObject, own } from './guards.js';
import { MAX_NAME_LENGTH } from './limits.js';
import { pointer } from './pointer.js';
import { RESERVED_ENV_PREFIX, isReservedEnvName } from './reserved-env.js';
import { K8S_NAME_PATTERN } from './schema.js';
import { entries, Field, label, type TaskView } from './view.js';

const K8S_NAME = new RegExp(K8S_NAME_PATTERN);
/**
 * Task names may also use "_" and upper case, as Kontroler's DSL identifiers do (its README names tasks
 * `task_a`): they are valid label values, and the pod runtime maps them to pod names (lower case, "_" → "-",
 * with a hash suffix that keeps `a_b` and `a-b` apart).
 */
const TASK_NAME = /^[A-Za-z0-9]([-_A-Za-z0-9]*[A-Za-z0-9])?$/;

/** Whether `name` can be a Kubernetes object name (RFC 1123 label, at most 63 characters). */
export function isK8sName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && K8S_NAME.test(name);
}

/** Whether `name` can name a task: a label value that maps onto a Kubernetes name. */
export function isTaskName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && TASK_NAME.test(name);
}

function nameProblem(name: string, rule: 'dag' | 'task'): string {
  if (name.length > MAX_NAME_LENGTH) return `is longer than ${MAX_NAME_LENGTH} characters`;
  return rule === 'dag'
    ? 'must be lower-case letters, digits and "-", starting and ending with a letter or digit'
    : 'must be letters, digits, "-" and "_", starting and ending with a letter or digit';
}

/** INVALID_NAME for the DAG name (the empty name is a shape error already). */
export function checkDagName(name: unknown): DagIssue[] {
  if (!isNonEmptyString(name) || isK8sName(name)) return [];
  return [{ code: 'INVALID_NAME', path: '/name', message: `DAG name "${name}" ${nameProblem(name, 'dag')}` }];
}

const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** A task issue at `/tasks/N/...rest`, naming the task when it has a name. */
function taskIssue(
  task: TaskView,
  code: DagIssue['code'],
  rest: readonly (string | number)[],
  message: string,
): DagIssue {
  return {
    code,
    path: pointer('tasks', task.index, ...rest),
    ...(task.name === undefined ? {} : { task: task.name }),
    message,
  };
}

/**
 * Rules on one task; its issues are appended to `issues`. Runs once per task of the document (10,000 in
 * the benchmark), so it makes no closures and no arrays for a task without problems (under tsx every
 * closure also costs a `defineProperty` for its name).
 */
export function checkTask(task: TaskView, issues: DagIssue[]): void {
  const { raw, fields } = task;
  if (task.name !== undefined && !isTaskName(task.name)) {
    issues.push(
      taskIssue(task, 'INVALID_NAME', ['name'], `task name "${task.name}" ${nameProblem(task.name, 'task')}`),
    );
  }
  if ((fields & Field.approval) !== 0) {
    checkApprovalTask(task, issues);
    return;
  }
  // A set bit means an own field: reading it directly finds nothing on a prototype.
  const command = (fields & Field.command) !== 0 ? raw['command'] : undefined;
  const hasCommand = Array.isArray(command) && command.length > 0;
  const hasScript = (fields & Field.script) !== 0 && isNonEmptyString(raw['script']);
  // A plugin task type or a reference to a DagTask brings its own way of running.
  const delegated = (fields & (Field.type | Field.taskRef)) !== 0;
  if (hasCommand && hasScript) {
    issues.push(
      taskIssue(
        task,
        'COMMAND_AND_SCRIPT',
        ['script'],
        `${label(task)} sets both command and script; use one`,
      ),
    );
  } else if (!hasCommand && !hasScript && !delegated) {
    issues.push(taskIssue(task, 'NO_COMMAND', [], `${label(task)} has neither command nor script`));
  }
  if (!delegated && !((fields & Field.image) !== 0 && isNonEmptyString(raw['image']))) {
    issues.push(taskIssue(task, 'MISSING_IMAGE', ['image'], `${label(task)} has no image`));
  }
  if ((fields & Field.env) !== 0 && Array.isArray(raw['env'])) checkTaskEnv(task, issues);
  const conditional = (fields & Field.conditional) !== 0 ? raw['conditional'] : undefined;
  if (isObject(conditional)) {
    for (const { value, index } of entries(conditional, 'retryCodes', isInteger)) {
      if (value >= 0 && value <= 255) continue;
      issues.push(
        taskIssue(
          task,
          'RETRY_CODE_RANGE',
          ['conditional', 'retryCodes', index],
          `${label(task)} retry code ${value} is outside 0-255`,
        ),
      );
    }
  }
}

/** RESERVED_ENV for each task variable named like the engine's own (they would hide `KONTROLER_RUN_ID`…). */
function checkTaskEnv(task: TaskView, issues: DagIssue[]): void {
  for (const { value, index } of entries(task.raw, 'env', isObject)) {
    const name = own(value, 'name');
    if (typeof name !== 'string' || !isReservedEnvName(name)) continue;
    issues.push(
      taskIssue(
        task,
        'RESERVED_ENV',
        ['env', index, 'name'],
        `${label(task)} sets variable "${name}": names starting with ${RESERVED_ENV_PREFIX} are the engine's own`,
      ),
    );
  }
}

/** What an approval task may not have: it runs nothing, a person decides it (docs/approval.md). */
const NOT_WITH_APPROVAL = ['type', 'taskRef', 'image', 'command', 'args', 'script', 'forEach'] as const;

/** An approval task: no way of running anything besides the approval. */
function checkApprovalTask(task: TaskView, issues: DagIssue[]): void {
  for (const field of NOT_WITH_APPROVAL) {
    if (own(task.raw, field) === undefined) continue;
    issues.push(
      taskIssue(
        task,
        'INVALID_APPROVAL',
        [field],
        `${label(task)} is an approval task: it cannot also set ${field}`,
      ),
    );
  }
}
