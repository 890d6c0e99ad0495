/**
 * What a task's `when` condition would do in a plan preview. The default evaluator runs the condition with
 * the same CEL evaluation as the planner, over what is known before the run: the literal parameters and the
 * run's DAG name and namespace. A condition that needs anything else (upstream states or outputs, the forEach
 * item, the run's id or status; parameters from secrets are refused in conditions at save time) and is not decided without it is `unknown`.
 */
import { parse } from '@bufbuild/cel';
import type { CompiledTask } from '../dag/compiled.js';
import type { ParameterValue } from '../model/records.js';
import { evaluateCondition } from '../planner/conditions.js';

/**
 * A condition's verdict before the run: `always` (no condition), `true`/`false` (decided by parameters alone),
 * or `unknown` (it reads upstream outputs or states, known only while the run goes).
 */
export type ConditionVerdict =
  | { readonly kind: 'always' }
  | { readonly kind: 'true'; readonly expression: string }
  | { readonly kind: 'false'; readonly expression: string; readonly reason: string }
  | { readonly kind: 'unknown'; readonly expression: string; readonly reason: string };

/** What a preview knows of the run besides its parameters. */
export interface PreviewRunContext {
  /** The DAG's name (`run.name` in a condition). */
  readonly dag: string;
  readonly namespace?: string;
}

/** Decides a task's condition from the run's parameters alone; must be pure. */
export type ConditionEvaluator = (
  task: CompiledTask,
  parameters: Readonly<Record<string, ParameterValue>>,
  run?: PreviewRunContext,
) => ConditionVerdict;

/** The task's `when` expression, if it has one. */
export function conditionOf(task: CompiledTask): string | undefined {
  const when: unknown = task.when ?? (task.spec as Readonly<Record<string, unknown>>)['when'];
  return typeof when === 'string' && when.trim() !== '' ? when : undefined;
}

/**
 * The evaluator used when the host gives none: CEL over the literal parameters. `true`/`false` when that
 * decides the condition (CEL's `||` and `&&` absorb an unknown side, as they do at run time), else `unknown`
 * with what the condition waits for.
 */
export const defaultConditionEvaluator: ConditionEvaluator = (task, parameters, run) => {
  const expression = conditionOf(task);
  if (expression === undefined) return { kind: 'always' };
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters)) if ('value' in value) params[name] = value.value;
  const result = evaluateCondition(expression, {
    params,
    run:
      run === undefined
        ? {}
        : { name: run.dag, ...(run.namespace !== undefined ? { namespace: run.namespace } : {}) },
    tasks: {},
  });
  if (result.ok) {
    return result.value
      ? { kind: 'true', expression }
      : { kind: 'false', expression, reason: `"${expression}" is false for these parameters` };
  }
  return { kind: 'unknown', expression, reason: waitsFor(expression) ?? result.error };
};

/** What a condition reads that only the run knows, as a sentence; undefined when it reads nothing such. */
function waitsFor(expression: string): string | undefined {
  const reads = runTimeReads(expression);
  if (reads.length === 0) return undefined;
  return `it reads ${reads.join(', ')}, known only during the run`;
}

/** The parsed expression, as much of cel.expr.Expr as the walk below needs. */
interface Node {
  readonly exprKind: { readonly case?: string; readonly value?: unknown };
}

/** The run-time values a condition refers to, in first-reference order (`tasks.extract`, `item`, …). */
function runTimeReads(expression: string): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    const node = value as Partial<Node>;
    const kind = node.exprKind;
    if (kind?.case === 'identExpr') {
      const name = (kind.value as { name: string }).name;
      if (name === 'item') found.add('the forEach item');
    } else if (kind?.case === 'selectExpr') {
      const select = kind.value as { operand?: Node; field: string };
      const operand = select.operand?.exprKind;
      if (operand?.case === 'identExpr') {
        const root = (operand.value as { name: string }).name;
        if (root === 'tasks') found.add(`tasks.${select.field}`);
        else if (root === 'run' && select.field !== 'name' && select.field !== 'namespace')
          found.add(`run.${select.field}`);
        return;
      }
    }
    for (const v of Object.values(value)) visit(v);
  };
  try {
    visit(parse(expression).expr);
  } catch {
    return [];
  }
  return [...found];
}
