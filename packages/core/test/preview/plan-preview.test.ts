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

/** The compiled DAG with a `when` on one task, set after compilation (for evaluators a host passes). */
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

  describe('with the default evaluator (CEL over what is known before the run)', () => {
    /** The diamond with `when`/`triggerRule` set on some tasks, compiled as a saved DAG would be. */
    const flow = (extra: Record<string, Record<string, unknown>>): CompiledDag =>
      compileDag({
        ...diamond,
        tasks: diamond.tasks.map((t) => ({ ...t, ...extra[t.name] })),
      });
    const outcomes = (dag: CompiledDag, parameters: Record<string, string>) =>
      Object.fromEntries(previewPlan(dag, { parameters }).tasks.map((t) => [t.name, [t.outcome, t.reason]]));

    it('decides a condition on parameters, and the run name, both ways', () => {
      const dag = flow({ b: { when: "params.env == 'prod'" }, f: { when: "run.name == 'diamond'" } });
      expect(outcomes(dag, { token: 't' })).toMatchObject({
        b: ['skip', 'ConditionFalse'],
        d: ['skip', 'UpstreamSkipped'],
        f: ['run', undefined],
      });
      expect(outcomes(dag, { token: 't', env: 'prod' })).toMatchObject({
        b: ['run', undefined],
        d: ['run', undefined],
      });
      const b = previewPlan(dag, { parameters: { token: 't' } }).tasks.find((t) => t.name === 'b');
      expect(b?.condition).toEqual({
        kind: 'false',
        expression: "params.env == 'prod'",
        reason: `"params.env == 'prod'" is false for these parameters`,
      });
    });

    it('is decided when the known side of || settles it, and says what it waits for when not', () => {
      const dag = flow({ c: { when: "params.env == 'prod' || tasks.a.status == 'Succeeded'" } });
      expect(outcomes(dag, { token: 't', env: 'prod' })['c']).toEqual(['run', undefined]);
      const preview = previewPlan(dag, { parameters: { token: 't' } });
      const c = preview.tasks.find((t) => t.name === 'c');
      expect([c?.outcome, c?.reason]).toEqual(['maybe', 'ConditionUnknown']);
      expect(c?.message).toBe('it reads tasks.a, known only during the run');
    });

    it('leaves a condition on the forEach item to the run', () => {
      const dag = flow({ f: { when: 'item > 1', forEach: { items: [1, 2, 3] } } });
      const f = previewPlan(dag, { parameters: { token: 't' } }).tasks.find((t) => t.name === 'f');
      expect([f?.outcome, f?.reason]).toEqual(['maybe', 'ConditionUnknown']);
      expect(f?.message).toBe('it reads the forEach item, known only during the run');
    });

    it('applies trigger rules: all_done runs after a skipped upstream, the default skips', () => {
      const skipB = { b: { when: "params.env == 'prod'" } };
      expect(outcomes(flow(skipB), { token: 't' })['d']).toEqual(['skip', 'UpstreamSkipped']);
      expect(outcomes(flow({ ...skipB, d: { triggerRule: 'all_done' } }), { token: 't' })['d']).toEqual([
        'run',
        undefined,
      ]);
      expect(outcomes(flow({ ...skipB, d: { triggerRule: 'one_success' } }), { token: 't' })['d']).toEqual([
        'run',
        undefined,
      ]);
      expect(outcomes(flow({ ...skipB, d: { triggerRule: 'all_skipped' } }), { token: 't' })['d']).toEqual([
        'skip',
        'TriggerRuleUnmet',
      ]);
    });

    it('keeps a rule maybe when an unsure upstream decides it, and run when it cannot matter', () => {
      const unsureB = { b: { when: "tasks.a.status == 'Succeeded'" } };
      expect(outcomes(flow(unsureB), { token: 't' })['d']).toEqual(['maybe', 'UpstreamUnknown']);
      expect(outcomes(flow({ ...unsureB, d: { triggerRule: 'all_done' } }), { token: 't' })['d']).toEqual([
        'run',
        undefined,
      ]);
    });
  });
});
