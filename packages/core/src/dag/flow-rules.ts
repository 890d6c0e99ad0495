/**
 * Cross-field rules of data and control flow (docs/flow/): outputs, templates in task fields, `when:`
 * conditions, `forEach`, and exit handlers. Every reference is resolved when the DAG is saved: an unknown
 * task, a task that is not upstream, an undeclared output, a run field outside an exit handler or an
 * `{{ item }}` outside a forEach task is an issue at the field that holds it.
 *
 * Costs nothing for a DAG that uses none of it: a task without templates, `when`, `forEach` or `outputs`
 * is passed over after a few property reads.
 */
import { checkCondition, type CelProblem, type CelScope } from './cel-check.js';
import { isObject, own, type PlainObject } from './guards.js';
import type { DagIssue, DagIssueCode } from './issues.js';
import { jsonPointerProblem, pointer } from './pointer.js';
import { OUTPUT_NAME_PATTERN } from './schema.js';
import { hasTemplate, parseTemplate, showReference, type TemplateRef } from './template.js';
import { Field, label, type TaskView } from './view.js';

/** Where a task lives: the main list, or the exit handlers. */
export type TaskList = 'tasks' | 'onExit';

/** What the rules know about the DAG, built once per validation. */
interface FlowContext {
  /** Declared parameters: true for a secret one (never rendered into a field). */
  readonly params: ReadonlyMap<string, boolean>;
  /** Declared outputs per task name, for main tasks and exit handlers. */
  readonly outputs: ReadonlyMap<string, ReadonlySet<string>>;
  /** `runAfter` names per task name, per list. */
  readonly parents: Readonly<Record<TaskList, ReadonlyMap<string, readonly string[]>>>;
  /** Memoized ancestor sets. */
  readonly ancestors: Map<string, ReadonlySet<string>>;
}

const OUTPUT_NAME = new RegExp(OUTPUT_NAME_PATTERN);

function declaredOutputs(task: TaskView): Set<string> {
  const set = new Set<string>();
  const list = own(task.raw, 'outputs');
  if (!Array.isArray(list)) return set;
  for (const o of list) {
    const name = isObject(o) ? own(o, 'name') : undefined;
    if (typeof name === 'string') set.add(name);
  }
  return set;
}

function declaredParams(doc: PlainObject): Map<string, boolean> {
  const params = new Map<string, boolean>();
  const list = own(doc, 'parameters');
  if (!Array.isArray(list)) return params;
  for (const p of list) {
    if (!isObject(p)) continue;
    const name = own(p, 'name');
    if (typeof name === 'string') params.set(name, own(p, 'defaultFromSecret') !== undefined);
  }
  return params;
}

function parentsOf(views: readonly TaskView[]): Map<string, readonly string[]> {
  const map = new Map<string, readonly string[]>();
  for (const v of views) {
    if (v.name !== undefined && !map.has(v.name)) {
      map.set(
        v.name,
        v.runAfter.filter((p): p is string => typeof p === 'string'),
      );
    }
  }
  return map;
}

/** Every task `name` runs after, directly or not, within its list (iterative; cycles are harmless). */
function ancestorsOf(ctx: FlowContext, list: TaskList, name: string): ReadonlySet<string> {
  const key = `${list}/${name}`;
  const known = ctx.ancestors.get(key);
  if (known !== undefined) return known;
  const parents = ctx.parents[list];
  const seen = new Set<string>();
  const stack = [...(parents.get(name) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    for (const p of parents.get(next) ?? []) if (!seen.has(p)) stack.push(p);
  }
  ctx.ancestors.set(key, seen);
  return seen;
}

/** Where a reference is used. */
interface Site {
  readonly list: TaskList;
  readonly task: TaskView;
  readonly forEach: boolean;
}

const problem = (code: DagIssueCode, message: string): CelProblem => ({ code, message });

/** The outputs `site` may read from `target`, or why it may not read `target` at all. */
function readableTask(ctx: FlowContext, site: Site, target: string): ReadonlySet<string> | CelProblem {
  const who = label(site.task);
  const inMain = ctx.parents.tasks.has(target);
  const inExit = ctx.parents.onExit.has(target);
  if (!inMain && !inExit)
    return problem('UNKNOWN_REFERENCE', `${who} refers to task "${target}", which does not exist`);
  // Exit handlers run after every main task has ended; among themselves, `runAfter` orders them.
  const upstream =
    site.list === 'onExit'
      ? inMain || ancestorsOf(ctx, 'onExit', site.task.name ?? '').has(target)
      : inMain && ancestorsOf(ctx, 'tasks', site.task.name ?? '').has(target);
  if (!upstream) {
    return problem(
      'NOT_UPSTREAM',
      `${who} refers to task "${target}", which is not upstream of it (add it to runAfter, directly or not)`,
    );
  }
  return ctx.outputs.get(target) ?? new Set();
}

function paramProblem(ctx: FlowContext, site: Site, name: string): CelProblem | null {
  const secret = ctx.params.get(name);
  if (secret === undefined) {
    return problem(
      'UNDECLARED_PARAMETER',
      `${label(site.task)} uses parameter "${name}", which the DAG does not declare`,
    );
  }
  if (secret) {
    return problem(
      'INVALID_REFERENCE',
      `parameter "${name}" comes from a secret and is never written into a field; list it in the task's parameters to get it as an environment variable`,
    );
  }
  return null;
}

/** The problem with one template reference at `site`, or null. */
function referenceProblem(ctx: FlowContext, site: Site, ref: TemplateRef): CelProblem | null {
  switch (ref.kind) {
    case 'param':
      return paramProblem(ctx, site, ref.name);
    case 'run':
      return (ref.field === 'status' || ref.field === 'failedTasks') && site.list !== 'onExit'
        ? problem('INVALID_REFERENCE', `${showReference(ref)} exists only in exit handlers (onExit)`)
        : null;
    case 'item':
      return site.forEach
        ? null
        : problem('INVALID_REFERENCE', `${showReference(ref)} exists only in forEach tasks`);
    case 'task-status':
    case 'output': {
      const outputs = readableTask(ctx, site, ref.task);
      if (!(outputs instanceof Set)) return outputs as CelProblem;
      if (ref.kind === 'output' && !outputs.has(ref.output)) {
        return problem('UNDECLARED_OUTPUT', `task "${ref.task}" does not declare an output "${ref.output}"`);
      }
      return null;
    }
  }
}

function issueAt(site: Site, path: readonly (string | number)[], p: CelProblem): DagIssue {
  return {
    code: p.code,
    path: pointer(site.list, site.task.index, ...path),
    ...(site.task.name === undefined ? {} : { task: site.task.name }),
    message: p.message,
  };
}

/** Templates in one string field. */
function checkText(
  ctx: FlowContext,
  site: Site,
  path: readonly (string | number)[],
  text: unknown,
  out: DagIssue[],
): void {
  if (typeof text !== 'string' || !hasTemplate(text)) return;
  const parsed = parseTemplate(text);
  if (!parsed.ok) {
    out.push(issueAt(site, path, problem('INVALID_TEMPLATE', parsed.error)));
    return;
  }
  for (const ref of parsed.refs) {
    const p = referenceProblem(ctx, site, ref);
    if (p !== null) out.push(issueAt(site, path, p));
  }
}

/** Templates in every string inside `value` (the `with` settings of plugin task types). */
function checkDeep(
  ctx: FlowContext,
  site: Site,
  path: (string | number)[],
  value: unknown,
  out: DagIssue[],
): void {
  if (typeof value === 'string') checkText(ctx, site, path, value, out);
  else if (Array.isArray(value)) value.forEach((v, i) => checkDeep(ctx, site, [...path, i], v, out));
  else if (isObject(value))
    for (const k of Object.keys(value)) checkDeep(ctx, site, [...path, k], value[k], out);
}

function checkOutputs(site: Site, out: DagIssue[]): void {
  const list = own(site.task.raw, 'outputs');
  if (!Array.isArray(list)) return;
  const seen = new Set<string>();
  list.forEach((o: unknown, index) => {
    const name = isObject(o) ? own(o, 'name') : undefined;
    if (typeof name !== 'string' || !OUTPUT_NAME.test(name)) return;
    if (seen.has(name)) {
      out.push(
        issueAt(
          site,
          ['outputs', index, 'name'],
          problem('DUPLICATE_OUTPUT', `${label(site.task)} declares output "${name}" twice`),
        ),
      );
    }
    seen.add(name);
    const valueFrom = isObject(o) ? own(o, 'valueFrom') : undefined;
    const bad = typeof valueFrom === 'string' ? jsonPointerProblem(valueFrom) : null;
    if (bad !== null) {
      out.push(
        issueAt(
          site,
          ['outputs', index, 'valueFrom'],
          problem(
            'INVALID_VALUE_FROM',
            `output "${name}" of ${label(site.task)}: valueFrom ${JSON.stringify(valueFrom)} is not a JSON Pointer: ${bad}`,
          ),
        ),
      );
    }
  });
}

function checkForEach(ctx: FlowContext, site: Site, forEach: PlainObject, out: DagIssue[]): void {
  const items = own(forEach, 'items');
  const from = own(forEach, 'from');
  if ((items === undefined) === (from === undefined)) {
    const has = items === undefined ? 'neither' : 'both';
    out.push(
      issueAt(
        site,
        ['forEach'],
        problem('INVALID_FOR_EACH', `forEach needs exactly one of items and from (it has ${has})`),
      ),
    );
    return;
  }
  if (site.list === 'onExit') {
    out.push(
      issueAt(site, ['forEach'], problem('INVALID_FOR_EACH', 'exit handlers cannot fan out (forEach)')),
    );
    return;
  }
  if (typeof from !== 'string') return;
  const parsed = parseTemplate(from.trim());
  const [only] = parsed.ok ? parsed.parts : [];
  if (!parsed.ok || parsed.parts.length !== 1 || typeof only !== 'object' || only.kind !== 'output') {
    const why = parsed.ok ? '' : ` (${parsed.error})`;
    out.push(
      issueAt(
        site,
        ['forEach', 'from'],
        problem(
          'INVALID_FOR_EACH',
          `forEach.from must be one upstream output, "{{ tasks.X.outputs.Y }}"${why}`,
        ),
      ),
    );
    return;
  }
  const p = referenceProblem(ctx, site, only);
  if (p !== null) out.push(issueAt(site, ['forEach', 'from'], p));
}

function checkWhen(ctx: FlowContext, site: Site, when: string, out: DagIssue[]): void {
  const scope: CelScope = {
    param: (name) => paramProblem(ctx, site, name),
    task: (name) => readableTask(ctx, site, name),
    exitHandler: site.list === 'onExit',
    forEach: site.forEach,
  };
  for (const p of checkCondition(when, scope)) {
    out.push(issueAt(site, ['when'], { code: p.code, message: `when: ${p.message}` }));
  }
}

function checkFlowTask(ctx: FlowContext, site: Site, out: DagIssue[]): void {
  const raw = site.task.raw;
  checkOutputs(site, out);
  const forEach = own(raw, 'forEach');
  if (isObject(forEach)) checkForEach(ctx, site, forEach, out);
  const when = own(raw, 'when');
  if (typeof when === 'string' && when !== '') checkWhen(ctx, site, when, out);
  for (const key of ['command', 'args'] as const) {
    const list = own(raw, key);
    if (Array.isArray(list)) list.forEach((v: unknown, i) => checkText(ctx, site, [key, i], v, out));
  }
  checkText(ctx, site, ['script'], own(raw, 'script'), out);
  const env = own(raw, 'env');
  if (Array.isArray(env)) {
    env.forEach((e: unknown, i) => {
      if (isObject(e)) checkText(ctx, site, ['env', i, 'value'], own(e, 'value'), out);
    });
  }
  const settings = own(raw, 'with');
  if (isObject(settings)) checkDeep(ctx, site, ['with'], settings, out);
}

/** A string that may hold a template: cheaper than `hasTemplate`, and true whenever that is. */
function mayHoldTemplate(value: unknown): boolean {
  return typeof value === 'string' && value.includes('{{');
}

function anyMayHoldTemplate(list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  for (let i = 0; i < list.length; i++) if (mayHoldTemplate(list[i])) return true;
  return false;
}

/**
 * Whether `checkFlowTask` could find anything in `task`: false for a task without outputs, forEach, when,
 * env, with or a template in command, args or script, which is most tasks of most DAGs.
 */
function usesFlow({ raw, fields }: TaskView): boolean {
  return (
    (fields & (Field.outputs | Field.forEach | Field.when | Field.env | Field.with)) !== 0 ||
    ((fields & Field.script) !== 0 && mayHoldTemplate(raw['script'])) ||
    ((fields & Field.command) !== 0 && anyMayHoldTemplate(raw['command'])) ||
    ((fields & Field.args) !== 0 && anyMayHoldTemplate(raw['args']))
  );
}

function flowContext(doc: PlainObject, tasks: readonly TaskView[], exits: readonly TaskView[]): FlowContext {
  const outputs = new Map<string, ReadonlySet<string>>();
  for (const v of [...tasks, ...exits]) {
    if (v.name !== undefined && !outputs.has(v.name)) outputs.set(v.name, declaredOutputs(v));
  }
  return {
    params: declaredParams(doc),
    outputs,
    parents: { tasks: parentsOf(tasks), onExit: parentsOf(exits) },
    ancestors: new Map(),
  };
}

/**
 * Flow issues of the whole document: references in every task and exit handler. `tasks` and `exits` are
 * the lenient views of `doc.tasks` and `doc.onExit`. What the rules know about the DAG (its outputs and
 * parents by name) is gathered on the first task that uses any of it: a 10,000-task DAG without templates
 * spent more time building those maps than checking.
 */
export function checkFlow(
  doc: PlainObject,
  tasks: readonly TaskView[],
  exits: readonly TaskView[],
): DagIssue[] {
  let ctx: FlowContext | undefined;
  const out: DagIssue[] = [];
  for (const [list, views] of [
    ['tasks', tasks],
    ['onExit', exits],
  ] as const) {
    for (let t = 0; t < views.length; t++) {
      const task = views[t] as TaskView;
      if (!usesFlow(task)) continue;
      ctx ??= flowContext(doc, tasks, exits);
      checkFlowTask(ctx, { list, task, forEach: isObject(own(task.raw, 'forEach')) }, out);
    }
  }
  return out;
}

/** Exit handler names must differ from task names, and their runAfter may only name other exit handlers. */
export function checkExitNames(tasks: readonly TaskView[], exits: readonly TaskView[]): DagIssue[] {
  const mainNames = new Set(tasks.flatMap((t) => (t.name === undefined ? [] : [t.name])));
  const issues: DagIssue[] = [];
  for (const exit of exits) {
    if (exit.name === undefined || !mainNames.has(exit.name)) continue;
    issues.push({
      code: 'DUPLICATE_TASK',
      path: pointer('onExit', exit.index, 'name'),
      task: exit.name,
      message: `exit handler "${exit.name}" has the name of a task; names are unique across tasks and onExit`,
    });
  }
  return issues;
}

/** Moves issues that rules wrote for `/tasks/…` onto `/onExit/…` (the same rules check exit handlers). */
export function onExitIssues(issues: readonly DagIssue[]): DagIssue[] {
  return issues.map((issue) =>
    issue.path === '/tasks' || issue.path.startsWith('/tasks/')
      ? { ...issue, path: `/onExit${issue.path.slice('/tasks'.length)}` }
      : issue,
  );
}
