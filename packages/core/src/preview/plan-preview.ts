/**
 * `previewPlan`: what a run of a DAG would do, decided before it starts — the parallel levels, the critical
 * path, which tasks a condition would skip for the given parameters. Pure and browser-safe: `kontroler plan`,
 * the API's plan endpoint and the console's editor all show this one result.
 */
import { DEFAULT_TRIGGER_RULE, type CompiledDag, type CompiledTask } from '../dag/compiled.js';
import type { TriggerRule } from '../dag/schema.js';
import { evaluateTriggerRule, type SkipReason } from '../planner/trigger-rules.js';
import { levels } from '../dag/order.js';
import type { ParameterValue } from '../model/records.js';
import { defaultConditionEvaluator, type ConditionEvaluator, type ConditionVerdict } from './conditions.js';
import { criticalPath, type CriticalPath } from './critical-path.js';
import {
  resolvePreviewParameters,
  type PreviewParameter,
  type PreviewParameterProblem,
} from './parameters.js';

/**
 * What the preview expects of a task: `run`, `skip` (its condition is false for these parameters, or an
 * upstream task is skipped) or `maybe` (its condition, or an upstream's, is known only during the run).
 */
export type PreviewOutcome = 'run' | 'skip' | 'maybe';

/** One task of the preview. */
export interface PreviewTask {
  readonly name: string;
  /** 0 for roots; tasks of one level may run in parallel. */
  readonly level: number;
  readonly runAfter: readonly string[];
  readonly outcome: PreviewOutcome;
  /** Why it is `skip` or `maybe`: `ConditionFalse`, `ConditionUnknown`, `UpstreamSkipped`, `UpstreamUnknown`. */
  readonly reason?: string;
  /** One sentence for a human, next to `reason`. */
  readonly message?: string;
  /** The task's own condition, as its evaluator judged it. */
  readonly condition: ConditionVerdict;
  readonly onCriticalPath: boolean;
  /** The weight used for the critical path. */
  readonly weight: number;
}

/** The whole preview. */
export interface PlanPreview {
  readonly dag: string;
  readonly namespace?: string;
  readonly parameters: readonly PreviewParameter[];
  /** Parameters that a submit would refuse; the rest of the preview uses what could be resolved. */
  readonly problems: readonly PreviewParameterProblem[];
  /** Task names by level, document order within a level. */
  readonly levels: readonly (readonly string[])[];
  /** The heaviest chain among the tasks expected to run (skipped ones weigh nothing). */
  readonly criticalPath: CriticalPath;
  /** Every task, in topological order. */
  readonly tasks: readonly PreviewTask[];
}

/** Options of `previewPlan`. */
export interface PlanPreviewOptions {
  /** Parameter values of the run (the `--param k=v` of the CLI). @default {} */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Estimated duration of a task, for the critical path. @default every task weighs 1 */
  readonly weight?: (task: string) => number;
  /** Decides `when` conditions from parameters. @default `defaultConditionEvaluator` */
  readonly evaluateCondition?: ConditionEvaluator;
}

interface Expectation {
  readonly outcome: PreviewOutcome;
  readonly reason?: string;
  readonly message?: string;
}

/**
 * How the task's trigger rule judges its upstreams, the preview assuming that a task which runs succeeds. An
 * upstream that may or may not run is tried both ways; the rule decides only when both ways agree.
 */
function triggerVerdict(
  rule: TriggerRule,
  parents: readonly [string, Expectation][],
): { readonly verdict: 'run' | 'skip' | 'maybe'; readonly reason?: SkipReason; readonly parent?: string } {
  const count = (maybeRuns: boolean) => {
    let succeeded = 0;
    let skipped = 0;
    for (const [, e] of parents) {
      if (e.outcome === 'run' || (e.outcome === 'maybe' && maybeRuns)) succeeded++;
      else skipped++;
    }
    return evaluateTriggerRule(rule, { total: parents.length, succeeded, failed: 0, skipped });
  };
  const ifRun = count(true);
  const ifSkipped = count(false);
  const same =
    ifRun === ifSkipped ||
    (typeof ifRun === 'object' && typeof ifSkipped === 'object' && ifRun.skip === ifSkipped.skip);
  const unsure = parents.find(([, e]) => e.outcome === 'maybe')?.[0];
  if (!same) return { verdict: 'maybe', ...(unsure !== undefined ? { parent: unsure } : {}) };
  // Every parent is done when the preview judges, so the rule never says `wait` here.
  if (ifRun === 'run' || ifRun === 'wait') return { verdict: 'run' };
  const parent = parents.find(([, e]) => e.outcome !== 'run')?.[0];
  return { verdict: 'skip', reason: ifRun.skip, ...(parent !== undefined ? { parent } : {}) };
}

/**
 * A task's expectation, decided in the engine's order: its trigger rule over its upstreams first, then its own
 * condition.
 */
function expect(
  task: CompiledTask,
  verdict: ConditionVerdict,
  parents: readonly [string, Expectation][],
): Expectation {
  const rule = task.triggerRule ?? DEFAULT_TRIGGER_RULE;
  const trigger = triggerVerdict(rule, parents);
  if (trigger.verdict === 'skip') {
    const reason = trigger.reason ?? 'UpstreamSkipped';
    return {
      outcome: 'skip',
      reason,
      message:
        reason === 'UpstreamSkipped' && trigger.parent !== undefined
          ? `upstream task "${trigger.parent}" is skipped`
          : `its trigger rule ${rule} is not met${trigger.parent !== undefined ? ` (upstream task "${trigger.parent}" is skipped)` : ''}`,
    };
  }
  if (verdict.kind === 'false') {
    return { outcome: 'skip', reason: 'ConditionFalse', message: verdict.reason };
  }
  if (verdict.kind === 'unknown') {
    return { outcome: 'maybe', reason: 'ConditionUnknown', message: verdict.reason };
  }
  if (trigger.verdict === 'maybe') {
    return {
      outcome: 'maybe',
      reason: 'UpstreamUnknown',
      message: `whether upstream task "${trigger.parent ?? '?'}" runs is known only during the run`,
    };
  }
  return { outcome: 'run' };
}

/** Previews a run of `dag` with the given parameters. Never throws for parameter problems: it lists them. */
export function previewPlan(dag: CompiledDag, options: PlanPreviewOptions = {}): PlanPreview {
  const { parameters, problems } = resolvePreviewParameters(dag, options.parameters ?? {});
  const values: Record<string, ParameterValue> = {};
  for (const p of parameters) values[p.name] = p.value;
  const evaluate = options.evaluateCondition ?? defaultConditionEvaluator;
  const weightOf = options.weight ?? (() => 1);

  const byLevel = levels(dag);
  const levelOf = new Map<string, number>();
  byLevel.forEach((names, level) => names.forEach((name) => levelOf.set(name, level)));

  const verdicts = new Map<string, ConditionVerdict>();
  const expectations = new Map<string, Expectation>();
  for (const name of dag.order) {
    const task = dag.tasks.get(name);
    if (task === undefined) continue;
    const verdict = evaluate(task, values, {
      dag: dag.name,
      ...(dag.spec.namespace !== undefined ? { namespace: dag.spec.namespace } : {}),
    });
    verdicts.set(name, verdict);
    const parents = task.runAfter.map((p): [string, Expectation] => [
      p,
      expectations.get(p) ?? { outcome: 'run' },
    ]);
    expectations.set(name, expect(task, verdict, parents));
  }

  const skipped = new Set([...expectations].filter(([, e]) => e.outcome === 'skip').map(([name]) => name));
  const path = criticalPath(dag, weightOf, skipped);
  const onPath = new Set(path.tasks);
  const tasks = dag.order.map((name): PreviewTask => {
    const e = expectations.get(name) ?? { outcome: 'run' };
    return {
      name,
      level: levelOf.get(name) ?? 0,
      runAfter: dag.tasks.get(name)?.runAfter ?? [],
      outcome: e.outcome,
      ...(e.reason !== undefined ? { reason: e.reason } : {}),
      ...(e.message !== undefined ? { message: e.message } : {}),
      condition: verdicts.get(name) ?? { kind: 'always' },
      onCriticalPath: onPath.has(name),
      weight: skipped.has(name) ? 0 : weightOf(name),
    };
  });
  return {
    dag: dag.name,
    ...(dag.spec.namespace !== undefined ? { namespace: dag.spec.namespace } : {}),
    parameters,
    problems,
    levels: byLevel,
    criticalPath: path,
    tasks,
  };
}
