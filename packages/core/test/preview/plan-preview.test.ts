import { describe, expect, it } from 'vitest';
import {
  compileDag,
  conditionOf,
  previewPlan,
  type CompiledDag,
  type CompiledTask,
  type ConditionEvaluator,
  type DagSpec,
  type TaskSpec,
} from '../../src/index.js';

/** The compiled DAG with a `when` on one task (the field is not in the schema yet: issue 16 adds it). */
function withWhen(dag: CompiledDag, name: string, when: string): CompiledDag {
  const task = dag.tasks.get(name);
  if (task === undefined) throw new Error(`no task ${name}`);
  const changed = { ...task, spec: { ...task.spec, when } } as CompiledTask;
  return { ...dag, tasks: new Map([...dag.tasks, [name, changed]]) };
}

const task = (name: string, runAfter: string[] = [], extra: Record<string, unknown> = {}): TaskSpec => ({
  name,
  image: 'alpine:3.20',
  command: ['true'],
  ...(runAfter.length > 0 ? { runAfter } : {}),
  ...extra,
});

// a → b → d, a → c → d, d → e, plus a lone root f.
const diamond: DagSpec = {
  name: 'diamond',
  parameters: [
    { name: 'env', defaultValue: 'dev' },
    { name: 'token', defaultFromSecret: 'api-token' },
  ],
  tasks: [task('a'), task('b', ['a']), task('c', ['a']), task('d', ['b', 'c']), task('e', ['d']), task('f')],
};

describe('previewPlan', () => {
  it('groups tasks into levels and lists them in topological order', () => {
    const preview = previewPlan(compileDag(diamond), { parameters: { token: 't' } });
    expect(preview.levels).toEqual([['a', 'f'], ['b', 'c'], ['d'], ['e']]);
    expect(preview.tasks.map((t) => [t.name, t.level])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 1],
      ['d', 2],
      ['e', 3],
      ['f', 0],
    ]);
    expect(preview.tasks.every((t) => t.outcome === 'run')).toBe(true);
  });

  it('finds the longest chain by task count, ties to the earlier task', () => {
    const preview = previewPlan(compileDag(diamond), { parameters: { token: 't' } });
    expect(preview.criticalPath).toEqual({ tasks: ['a', 'b', 'd', 'e'], weight: 4 });
    expect(preview.tasks.filter((t) => t.onCriticalPath).map((t) => t.name)).toEqual(['a', 'b', 'd', 'e']);
  });

  it('weighs tasks by the estimates it is given', () => {
    const weights: Record<string, number> = { a: 1, b: 1, c: 10, d: 1, e: 1, f: 20 };
    const preview = previewPlan(compileDag(diamond), {
      parameters: { token: 't' },
      weight: (name) => weights[name] ?? 0,
    });
    expect(preview.criticalPath).toEqual({ tasks: ['f'], weight: 20 });
    weights['f'] = 2;
    expect(
      previewPlan(compileDag(diamond), { parameters: { token: 't' }, weight: (n) => weights[n] ?? 0 })
        .criticalPath,
    ).toEqual({ tasks: ['a', 'c', 'd', 'e'], weight: 13 });
  });

  it('resolves parameters over the defaults and reports every unknown one at once', () => {
    const ok = previewPlan(compileDag(diamond), { parameters: { env: 'prod', token: 's' } });
    expect(ok.parameters).toEqual([
      { name: 'env', value: { value: 'prod' }, source: 'given' },
      { name: 'token', value: { value: 's' }, source: 'given' },
    ]);
    expect(ok.problems).toEqual([]);
    const bad = previewPlan(compileDag(diamond), { parameters: { colour: 'red', size: 'L' } });
    expect(bad.problems.map((p) => [p.name, p.reason])).toEqual([
      ['colour', 'unknown'],
      ['size', 'unknown'],
    ]);
    expect(bad.parameters).toEqual([
      { name: 'env', value: { value: 'dev' }, source: 'default' },
      { name: 'token', value: { fromSecret: 'api-token' }, source: 'default' },
    ]);
  });

  it('skips what a false condition skips, with its descendants, and leaves it off the critical path', () => {
    // The evaluator a host with an expression language passes; here `when` is `env == X`.
    const evaluate: ConditionEvaluator = (t, parameters) => {
      const expression = conditionOf(t);
      if (expression === undefined) return { kind: 'always' };
      const want = expression.replace('env == ', '');
      const env = parameters['env'];
      const value = env !== undefined && 'value' in env ? env.value : undefined;
      return value === want
        ? { kind: 'true', expression }
        : { kind: 'false', expression, reason: `env is "${value}"` };
    };
    const conditional = withWhen(compileDag(diamond), 'b', 'env == prod');
    const preview = previewPlan(conditional, { parameters: { token: 't' }, evaluateCondition: evaluate });
    const outcome = Object.fromEntries(preview.tasks.map((t) => [t.name, [t.outcome, t.reason]]));
    expect(outcome).toStrictEqual({
      a: ['run', undefined],
      f: ['run', undefined],
      b: ['skip', 'ConditionFalse'],
      c: ['run', undefined],
      d: ['skip', 'UpstreamSkipped'],
      e: ['skip', 'UpstreamSkipped'],
    });
    expect(preview.criticalPath.tasks).toEqual(['a', 'c']);
    const prod = previewPlan(conditional, {
      parameters: { token: 't', env: 'prod' },
      evaluateCondition: evaluate,
    });
    expect(prod.tasks.every((t) => t.outcome === 'run')).toBe(true);
  });

  it('marks a condition it cannot evaluate, and what runs after it, as maybe', () => {
    const conditional = withWhen(compileDag(diamond), 'c', 'tasks.b.outputs.n > 1');
    const preview = previewPlan(conditional, { parameters: { token: 't' } });
    const outcome = Object.fromEntries(preview.tasks.map((t) => [t.name, [t.outcome, t.reason]]));
    expect(outcome['c']).toEqual(['maybe', 'ConditionUnknown']);
    expect(outcome['d']).toEqual(['maybe', 'UpstreamUnknown']);
    expect(outcome['b']).toEqual(['run', undefined]);
    expect(preview.tasks.find((t) => t.name === 'c')?.condition.kind).toBe('unknown');
  });
});
