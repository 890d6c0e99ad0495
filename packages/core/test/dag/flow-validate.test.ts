import { describe, expect, it } from 'vitest';
import {
  compileDag,
  parseTemplate,
  validateDag,
  type DagIssue,
  type DagSpec,
  type ForEachSpec,
  type TaskSpec,
} from '../../src/index.js';

const img = 'alpine:3.20';

/** extract → transform → load, plus an independent `side`; extract declares `rows` and `files`. */
function base(
  patch: { tasks?: Partial<Record<string, Partial<TaskSpec>>>; dag?: Partial<DagSpec> } = {},
): DagSpec {
  const tasks: TaskSpec[] = [
    { name: 'extract', image: img, script: 'echo', outputs: [{ name: 'rows' }, { name: 'files' }] },
    { name: 'transform', image: img, script: 'echo', runAfter: ['extract'], outputs: [{ name: 'count' }] },
    { name: 'load', image: img, script: 'echo', runAfter: ['transform'] },
    { name: 'side', image: img, script: 'echo', outputs: [{ name: 'x' }] },
  ];
  return {
    name: 'etl',
    parameters: [
      { name: 'date', defaultValue: '2026-12-01' },
      { name: 'token', defaultFromSecret: 'etl-token' },
    ],
    tasks: tasks.map((t) => ({ ...t, ...(patch.tasks?.[t.name] ?? {}) })),
    ...patch.dag,
  };
}

function issues(doc: DagSpec): Pick<DagIssue, 'code' | 'path' | 'task'>[] {
  const result = validateDag(doc);
  return result.ok ? [] : result.errors.map(({ code, path, task }) => ({ code, path, task }));
}

describe('template references are checked when the DAG is saved', () => {
  const rows: [string, Partial<TaskSpec>, DagIssue['code'] | null, string][] = [
    ['an upstream output two levels up', { args: ['{{ tasks.extract.outputs.rows }}'] }, null, ''],
    ['a parameter and the run id', { script: 'echo {{ params.date }} {{run.id}}' }, null, ''],
    ['an unknown task', { args: ['{{ tasks.nope.outputs.rows }}'] }, 'UNKNOWN_REFERENCE', '/tasks/2/args/0'],
    [
      'a task that is not upstream',
      { args: ['a', '{{ tasks.side.outputs.x }}'] },
      'NOT_UPSTREAM',
      '/tasks/2/args/1',
    ],
    [
      'an undeclared output',
      { script: '{{ tasks.transform.outputs.rows }}' },
      'UNDECLARED_OUTPUT',
      '/tasks/2/script',
    ],
    [
      'an undeclared parameter',
      { env: [{ name: 'D', value: '{{ params.day }}' }] },
      'UNDECLARED_PARAMETER',
      '/tasks/2/env/0/value',
    ],
    ['a secret parameter', { args: ['{{ params.token }}'] }, 'INVALID_REFERENCE', '/tasks/2/args/0'],
    [
      'run.status outside an exit handler',
      { args: ['{{ run.status }}'] },
      'INVALID_REFERENCE',
      '/tasks/2/args/0',
    ],
    ['item outside a forEach task', { args: ['{{ item }}'] }, 'INVALID_REFERENCE', '/tasks/2/args/0'],
    ['a malformed template', { args: ['{{ tasks.extract.rows }}'] }, 'INVALID_TEMPLATE', '/tasks/2/args/0'],
    [
      'a template inside plugin settings',
      { with: { url: 'http://x/{{ tasks.side.status }}' } },
      'NOT_UPSTREAM',
      '/tasks/2/with/url',
    ],
  ];
  it.each(rows)('%s', (_, load, code, path) => {
    const found = issues(base({ tasks: { load } }));
    expect(found).toEqual(code === null ? [] : [{ code, path, task: 'load' }]);
  });

  it('leaves other {{ }} text alone, so existing Kontroler scripts keep loading', () => {
    expect(
      issues(base({ tasks: { load: { script: 'helm template --set x={{ .Values.x }} {{ foo }}' } } })),
    ).toEqual([]);
  });

  it('splits a field into text and references', () => {
    const parsed = parseTemplate('a {{ params.date }}-{{tasks.x.outputs.y}}');
    expect(parsed).toEqual({
      ok: true,
      parts: ['a ', { kind: 'param', name: 'date' }, '-', { kind: 'output', task: 'x', output: 'y' }],
      refs: [
        { kind: 'param', name: 'date' },
        { kind: 'output', task: 'x', output: 'y' },
      ],
    });
  });
});

describe('when: conditions are CEL, type-checked when the DAG is saved', () => {
  const rows: [string, DagIssue['code'] | null][] = [
    ['tasks.extract.outputs.rows > 10 && params.date != ""', null],
    ['tasks.transform.status == "succeeded"', null],
    ['has(tasks.extract.outputs.files) && size(tasks.extract.outputs.files) > 0', null],
    ['tasks["extract"].outputs.rows.exists(r, r.ok)', null],
    ['tasks.extract.outputs.rows >', 'INVALID_CONDITION'],
    ['1 + 2', 'INVALID_CONDITION'],
    ['1 == "a"', 'INVALID_CONDITION'],
    ['params.date + 1 > 0', 'INVALID_CONDITION'],
    ['tasks.nope.status == "failed"', 'UNKNOWN_REFERENCE'],
    ['tasks.side.status == "failed"', 'NOT_UPSTREAM'],
    ['tasks.extract.outputs.count > 1', 'UNDECLARED_OUTPUT'],
    ['params.day == "x"', 'UNDECLARED_PARAMETER'],
    ['run.status == "failed"', 'INVALID_CONDITION'],
    ['foo', 'UNKNOWN_REFERENCE'],
  ];
  it.each(rows)('%s', (when, code) => {
    const found = issues(base({ tasks: { load: { when } } }));
    expect(found).toEqual(code === null ? [] : [{ code, path: '/tasks/2/when', task: 'load' }]);
  });
});

describe('forEach', () => {
  it('accepts a static list or one upstream output, and {{ item }} inside', () => {
    expect(
      issues(base({ tasks: { load: { forEach: { items: [1, 2], parallelism: 2 }, args: ['{{ item }}'] } } })),
    ).toEqual([]);
    expect(
      issues(
        base({
          tasks: {
            load: { forEach: { from: '{{ tasks.extract.outputs.files }}' }, args: ['{{ item.path }}'] },
          },
        }),
      ),
    ).toEqual([]);
  });

  it.each([
    [{}, 'INVALID_FOR_EACH', '/tasks/2/forEach'],
    [{ items: [1], from: '{{ tasks.extract.outputs.files }}' }, 'INVALID_FOR_EACH', '/tasks/2/forEach'],
    [{ from: 'tasks.extract.outputs.files' }, 'INVALID_FOR_EACH', '/tasks/2/forEach/from'],
    [{ from: '{{ params.date }}' }, 'INVALID_FOR_EACH', '/tasks/2/forEach/from'],
    [{ from: '{{ tasks.side.outputs.x }}' }, 'NOT_UPSTREAM', '/tasks/2/forEach/from'],
  ] as [ForEachSpec, DagIssue['code'], string][])('refuses %j', (forEach, code, path) => {
    expect(issues(base({ tasks: { load: { forEach } } }))).toEqual([{ code, path, task: 'load' }]);
  });
});

describe('exit handlers and deadlines', () => {
  const notify: TaskSpec = {
    name: 'notify',
    image: img,
    script: 'echo {{ run.status }} {{ run.failedTasks }} {{ tasks.side.outputs.x }}',
  };

  it('compiles onExit with run fields and any task readable, and keeps the deadline', () => {
    const dag = compileDag(
      base({
        dag: {
          onExit: [notify, { ...notify, name: 'after', runAfter: ['notify'] }],
          activeDeadlineSeconds: 60,
        },
      }),
    );
    expect(dag.exitOrder).toEqual(['notify', 'after']);
    expect(dag.onExit?.get('after')?.runAfter).toEqual(['notify']);
    expect(dag.activeDeadlineSeconds).toBe(60);
    expect(dag.tasks.get('load')?.triggerRule).toBe('all_success');
  });

  it('refuses an exit handler named like a task, one that runs after a main task, and fan-out in onExit', () => {
    const doc = base({
      dag: {
        onExit: [
          { ...notify, name: 'load' },
          { ...notify, name: 'late', runAfter: ['extract'] },
          { ...notify, name: 'many', forEach: { items: [1] } },
        ],
      },
    });
    expect(issues(doc)).toEqual([
      { code: 'UNKNOWN_DEPENDENCY', path: '/onExit/1/runAfter/0', task: 'late' },
      { code: 'DUPLICATE_TASK', path: '/onExit/0/name', task: 'load' },
      { code: 'INVALID_FOR_EACH', path: '/onExit/2/forEach', task: 'many' },
    ]);
  });

  it('refuses duplicate outputs, unknown trigger rules and a zero deadline', () => {
    const found = issues(
      base({
        tasks: {
          side: { outputs: [{ name: 'x' }, { name: 'x' }] },
          load: { triggerRule: 'sometimes' as 'all_done' },
        },
        dag: { activeDeadlineSeconds: 0 },
      }),
    );
    expect(found.map((i) => [i.code, i.path])).toEqual(
      expect.arrayContaining([
        ['DUPLICATE_OUTPUT', '/tasks/3/outputs/1/name'],
        ['SCHEMA', '/tasks/2/triggerRule'],
        ['SCHEMA', '/activeDeadlineSeconds'],
      ]),
    );
  });
});

describe('an output’s valueFrom is a JSON Pointer, checked when the DAG is saved', () => {
  const call = (valueFrom: string): Partial<TaskSpec> => ({
    type: 'http',
    with: { url: 'https://api.example/v1' },
    outputs: [
      { name: 'ok', valueFrom: '/status' },
      { name: 'rows', valueFrom },
    ],
  });
  it.each(['', '/body/rows', '/headers/content-type', '/body/a~1b/0', '/body/~0tilde'])(
    'accepts %j',
    (valueFrom) => {
      expect(issues(base({ tasks: { side: call(valueFrom) } }))).toEqual([]);
    },
  );
  it.each(['body/rows', '/body/a~2b', '/body/~'])(
    'refuses %j at the field, naming the output',
    (valueFrom) => {
      const result = validateDag(base({ tasks: { side: call(valueFrom) } }));
      expect(result.ok).toBe(false);
      const errors = result.ok ? [] : result.errors;
      expect(errors.map(({ code, path, task }) => ({ code, path, task }))).toEqual([
        { code: 'INVALID_VALUE_FROM', path: '/tasks/3/outputs/1/valueFrom', task: 'side' },
      ]);
      expect(errors[0]?.message).toContain('output "rows"');
    },
  );
});
