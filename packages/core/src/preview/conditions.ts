/**
 * What a task's `when` condition would do in a plan preview. Conditions arrive with the data-and-control-flow
 * work (issue 16); until the schema has `when`, every task is `always`. A host that can evaluate expressions
 * passes its own `ConditionEvaluator` to `previewPlan`, and the preview shows its verdicts unchanged.
 */
import type { CompiledTask } from '../dag/compiled.js';
import type { ParameterValue } from '../model/records.js';

/**
 * A condition's verdict before the run: `always` (no condition), `true`/`false` (decided by parameters alone),
 * or `unknown` (it reads upstream outputs or states, known only while the run goes).
 */
export type ConditionVerdict =
  | { readonly kind: 'always' }
  | { readonly kind: 'true'; readonly expression: string }
  | { readonly kind: 'false'; readonly expression: string; readonly reason: string }
  | { readonly kind: 'unknown'; readonly expression: string; readonly reason: string };

/** Decides a task's condition from the run's parameters alone; must be pure. */
export type ConditionEvaluator = (
  task: CompiledTask,
  parameters: Readonly<Record<string, ParameterValue>>,
) => ConditionVerdict;

/** The task's `when` expression, when its spec has one (read loosely: the field is not in the schema yet). */
export function conditionOf(task: CompiledTask): string | undefined {
  const when: unknown = (task.spec as Readonly<Record<string, unknown>>)['when'];
  return typeof when === 'string' && when.trim() !== '' ? when : undefined;
}

/**
 * The evaluator used when the host gives none: no condition runs always, and a condition this build cannot
 * evaluate is `unknown` rather than guessed.
 */
export const defaultConditionEvaluator: ConditionEvaluator = (task) => {
  const expression = conditionOf(task);
  if (expression === undefined) return { kind: 'always' };
  return { kind: 'unknown', expression, reason: 'this build cannot evaluate conditions before the run' };
};
