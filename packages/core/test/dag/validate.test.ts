import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KontrolerError,
  MAX_RUN_AFTER,
  MAX_TASKS,
  compileDag,
  topologicalOrder,
  validateDag,
  type DagIssue,
  type DagSpec,
} from '../../src/index.js';
import { generateDag } from './fixtures.js';

/** A small valid DAG; each table row breaks one thing. */
function base(): DagSpec {
  return {
    name: 'etl',
    tasks: [
      { name: 'extract', image: 'alpine:3.20', command: ['sh', '-c', 'echo extract'] },
      { name: 'load', image: 'alpine:3.20', script: 'echo load', runAfter: ['extract'] },
    ],
  };
}

function errorsOf(doc: unknown): DagIssue[] {
  const result = validateDag(doc);
  return result.ok ? [] : result.errors;
}

interface Row {
  title: string;
  change: (d: DagSpec & Record<string, unknown>) => unknown;
  expected: DagIssue;
}

const rows: Row[] = [
  {
    title: 'a wrong type',
    change: (d) => ((d.tasks[0] as Record<string, unknown>).backoff = { limit: 'x' }),
    expected: {
      code: 'SCHEMA',
      path: '/tasks/0/backoff/limit',
      task: 'extract',
      message: 'task "extract" backoff.limit must be integer',
    },
  },
  {
    title: 'a value outside a union of literals',
    change: (d) => ((d as Record<string, unknown>).concurrencyPolicy = 'sometimes'),
    expected: {
      code: 'SCHEMA',
      path: '/concurrencyPolicy',
      message: 'concurrencyPolicy must be one of "allow", "forbid", "replace"',
    },
  },
  {
    title: 'a value outside a union of types',
    change: (d) =>
      ((d.tasks[0] as Record<string, unknown>).podTemplate = { resources: { limits: { cpu: true } } }),
    expected: {
      code: 'SCHEMA',
      path: '/tasks/0/podTemplate/resources/limits/cpu',
      task: 'extract',
      message: 'task "extract" podTemplate.resources.limits.cpu must be string or number',
    },
  },
  {
    title: 'a missing required field',
    change: (d) => delete (d as Record<string, unknown>).name,
    expected: { code: 'SCHEMA', path: '/name', message: 'DAG is missing required field "name"' },
  },
  {
    title: 'an unknown task field',
    change: (d) => ((d.tasks[1] as Record<string, unknown>).imagee = 'x'),
    expected: {
      code: 'UNKNOWN_FIELD',
      path: '/tasks/1/imagee',
      task: 'load',
      message: 'task "load" has unknown field "imagee"',
    },
  },
  {
    title: 'an unknown top-level field',
    change: (d) => (d.owner = 'me'),
    expected: { code: 'UNKNOWN_FIELD', path: '/owner', message: 'DAG has unknown field "owner"' },
  },
  {
    title: 'a DAG name that is not a Kubernetes name',
    change: (d) => (d.name = 'My_ETL'),
    expected: {
      code: 'INVALID_NAME',
      path: '/name',
      message:
        'DAG name "My_ETL" must be lower-case letters, digits and "-", starting and ending with a letter or digit',
    },
  },
  {
    title: 'a task name with characters no Kubernetes name can carry',
    change: (d) => ((d.tasks[1] as { name: string }).name = 'load.v2'),
    expected: {
      code: 'INVALID_NAME',
      path: '/tasks/1/name',
      task: 'load.v2',
      message:
        'task name "load.v2" must be letters, digits, "-" and "_", starting and ending with a letter or digit',
    },
  },
  {
    title: 'a task name longer than 63 characters',
    change: (d) => ((d.tasks[1] as { name: string }).name = 'x'.repeat(64)),
    expected: {
      code: 'INVALID_NAME',
      path: '/tasks/1/name',
      task: 'x'.repeat(64),
      message: `task name "${'x'.repeat(64)}" is longer than 63 characters`,
    },
  },
  {
    title: 'a duplicate task',
    change: (d) => d.tasks.push({ name: 'load', image: 'alpine', script: 'true' }),
    expected: {
      code: 'DUPLICATE_TASK',
      path: '/tasks/2/name',
      task: 'load',
      message: 'task "load" is defined more than once (first at /tasks/1)',
    },
  },
  {
    title: 'an unknown runAfter target',
    change: (d) => (d.tasks[1] as { runAfter: string[] }).runAfter.push('transform'),
    expected: {
      code: 'UNKNOWN_DEPENDENCY',
      path: '/tasks/1/runAfter/1',
      task: 'load',
      message: 'task "load" runs after "transform", which is not a task',
    },
  },
  {
    title: 'a self-dependency',
    change: (d) => (d.tasks[1] as { runAfter: string[] }).runAfter.push('load'),
    expected: {
      code: 'SELF_DEPENDENCY',
      path: '/tasks/1/runAfter/1',
      task: 'load',
      message: 'task "load" runs after itself',
    },
  },
  {
    title: 'a cycle',
    change: (d) =>
      d.tasks.push(
        { name: 'a', image: 'i', script: 's', runAfter: ['load', 'c'] },
        { name: 'b', image: 'i', script: 's', runAfter: ['a'] },
        { name: 'c', image: 'i', script: 's', runAfter: ['b'] },
      ),
    expected: {
      code: 'CYCLE',
      path: '/tasks/2/runAfter/1',
      task: 'a',
      message: 'cycle: a → b → c → a',
      cycle: ['a', 'b', 'c', 'a'],
    },
  },
  {
    title: 'no task without runAfter',
    change: (d) => {
      d.tasks = [{ name: 'a', image: 'i', script: 's', runAfter: ['b'] }];
      d.tasks.push({ name: 'b', image: 'i', script: 's', runAfter: ['zzz'] });
    },
    expected: { code: 'NO_ROOT_TASK', path: '/tasks', message: 'no task can start: every task has runAfter' },
  },
  {
    title: 'no tasks',
    change: (d) => (d.tasks = []),
    expected: { code: 'NO_TASKS', path: '/tasks', message: 'the DAG has no tasks' },
  },
  {
    title: 'command and script',
    change: (d) => ((d.tasks[0] as { script?: string }).script = 'echo'),
    expected: {
      code: 'COMMAND_AND_SCRIPT',
      path: '/tasks/0/script',
      task: 'extract',
      message: 'task "extract" sets both command and script; use one',
    },
  },
  {
    title: 'neither command nor script',
    change: (d) => delete d.tasks[0]?.command,
    expected: {
      code: 'NO_COMMAND',
      path: '/tasks/0',
      task: 'extract',
      message: 'task "extract" has neither command nor script',
    },
  },
  {
    title: 'a container task without image',
    change: (d) => delete d.tasks[1]?.image,
    expected: {
      code: 'MISSING_IMAGE',
      path: '/tasks/1/image',
      task: 'load',
      message: 'task "load" has no image',
    },
  },
  {
    title: 'a parameter with neither default',
    change: (d) => (d.parameters = [{ name: 'region' }]),
    expected: {
      code: 'INVALID_PARAMETER',
      path: '/parameters/0',
      message:
        'parameter "region" must have exactly one of defaultValue and defaultFromSecret (it has neither)',
    },
  },
  {
    title: 'a parameter with both defaults',
    change: (d) => (d.parameters = [{ name: 'region', defaultValue: 'eu', defaultFromSecret: 's' }]),
    expected: {
      code: 'INVALID_PARAMETER',
      path: '/parameters/0',
      message: 'parameter "region" must have exactly one of defaultValue and defaultFromSecret (it has both)',
    },
  },
  {
    title: 'a duplicate parameter',
    change: (d) =>
      (d.parameters = [
        { name: 'region', defaultValue: 'eu' },
        { name: 'region', defaultValue: 'us' },
      ]),
    expected: {
      code: 'DUPLICATE_PARAMETER',
      path: '/parameters/1/name',
      message: 'parameter "region" is declared more than once',
    },
  },
  {
    title: 'an undeclared task parameter',
    change: (d) => {
      d.parameters = [{ name: 'region', defaultValue: 'eu' }];
      (d.tasks[1] as { parameters?: string[] }).parameters = ['region', 'token'];
    },
    expected: {
      code: 'UNDECLARED_PARAMETER',
      path: '/tasks/1/parameters/1',
      task: 'load',
      message: 'task "load" uses parameter "token", which the DAG does not declare',
    },
  },
  {
    title: 'a cron with a field out of range',
    change: (d) => (d.schedule = '61 * * * *'),
    expected: {
      code: 'INVALID_CRON',
      path: '/schedule',
      message: 'schedule "61 * * * *" is invalid: Invalid value for minute: 61',
    },
  },
  {
    title: 'a cron with four fields',
    change: (d) => (d.schedule = '* * * *'),
    expected: {
      code: 'INVALID_CRON',
      path: '/schedule',
      message:
        'schedule "* * * *" is invalid: invalid configuration format (\'* * * *\'), exactly five, six, or seven space separated parts are required.',
    },
  },
  {
    title: 'a cron with seven fields',
    change: (d) => (d.schedule = '0 0 0 * * * 2030'),
    expected: {
      code: 'INVALID_CRON',
      path: '/schedule',
      message:
        "schedule \"0 0 0 * * * 2030\" is invalid: mode '5-or-6-parts' requires exactly 5 or 6 parts, but pattern '0 0 0 * * * 2030' has 7 parts.",
    },
  },
  {
    title: 'an unsupported cron nickname',
    change: (d) => (d.schedule = '@reboot'),
    expected: {
      code: 'INVALID_CRON',
      path: '/schedule',
      message: 'schedule "@reboot" is invalid: unknown cron nickname "@reboot"',
    },
  },
  {
    title: 'an unknown time zone',
    change: (d) => (d.timezone = 'Mars/Olympus_Mons'),
    expected: {
      code: 'INVALID_TIMEZONE',
      path: '/timezone',
      message: 'timezone "Mars/Olympus_Mons" is not a known IANA time zone',
    },
  },
  {
    title: 'a retry code above 255',
    change: (d) =>
      ((d.tasks[0] as Record<string, unknown>).conditional = { enabled: true, retryCodes: [1, 256] }),
    expected: {
      code: 'RETRY_CODE_RANGE',
      path: '/tasks/0/conditional/retryCodes/1',
      task: 'extract',
      message: 'task "extract" retry code 256 is outside 0-255',
    },
  },
  {
    title: 'a negative retry code',
    change: (d) =>
      ((d.tasks[0] as Record<string, unknown>).conditional = { enabled: false, retryCodes: [-1] }),
    expected: {
      code: 'RETRY_CODE_RANGE',
      path: '/tasks/0/conditional/retryCodes/0',
      task: 'extract',
      message: 'task "extract" retry code -1 is outside 0-255',
    },
  },
  {
    title: 'a task variable named like the engine variables',
    change: (d) =>
      ((d.tasks[1] as Record<string, unknown>).env = [
        { name: 'MODE', value: 'x' },
        { name: 'KONTROLER_RUN_ID', value: 'mine' },
      ]),
    expected: {
      code: 'RESERVED_ENV',
      path: '/tasks/1/env/1/name',
      task: 'load',
      message: `task "load" sets variable "KONTROLER_RUN_ID": names starting with KONTROLER_ are the engine's own`,
    },
  },
  {
    title: 'a parameter named like the engine variables',
    change: (d) => (d.parameters = [{ name: 'KONTROLER_TASK', defaultValue: 'x' }]),
    expected: {
      code: 'RESERVED_ENV',
      path: '/parameters/0/name',
      message: `parameter "KONTROLER_TASK": names starting with KONTROLER_ are the engine's own variables`,
    },
  },
  {
    title: 'too many tasks',
    change: (d) => (d.tasks = Array.from({ length: MAX_TASKS + 1 }, () => ({ name: 'x' }))),
    expected: {
      code: 'DOCUMENT_TOO_LARGE',
      path: '/tasks',
      message: `the DAG has ${MAX_TASKS + 1} tasks; at most ${MAX_TASKS} are allowed`,
    },
  },
  {
    title: 'too many runAfter entries',
    change: (d) =>
      ((d.tasks[1] as { runAfter: string[] }).runAfter = Array(MAX_RUN_AFTER + 1).fill('extract')),
    expected: {
      code: 'DOCUMENT_TOO_LARGE',
      path: '/tasks/1/runAfter',
      task: 'load',
      message: `task "load" has ${MAX_RUN_AFTER + 1} runAfter entries; at most ${MAX_RUN_AFTER} are allowed`,
    },
  },
];

describe('validateDag', () => {
  it('accepts a valid DAG', () => {
    const result = validateDag(base());
    expect(result).toMatchObject({ ok: true, errors: [], warnings: [] });
  });

  it.each(rows)('reports $title as $expected.code', ({ change, expected }) => {
    const doc = base() as DagSpec & Record<string, unknown>;
    change(doc);
    const errors = errorsOf(doc);
    expect(errors).toContainEqual(expected);
    // Rows break one rule, so the issue is the only one of its code (NO_ROOT_TASK's row also has an
    // unknown reference; the cycle row has one cycle).
    expect(errors.filter((e) => e.code === expected.code)).toHaveLength(1);
  });

  it('reports every error at once', () => {
    const doc = {
      name: 'Bad Name',
      schedule: 'not a cron',
      timezone: 'Nowhere/Special',
      parameters: [{ name: 'p' }, { name: 'p', defaultValue: 'v' }],
      tasks: [
        { name: 'a', image: 'i', command: ['x'], script: 'y', runAfter: ['c'], imagee: 'typo' },
        { name: 'b', command: ['x'], runAfter: ['a', 'ghost', 'b'], parameters: ['q'] },
        { name: 'c', image: 'i', runAfter: ['b'], conditional: { enabled: true, retryCodes: [300] } },
        { name: 'c', image: 'i', script: 's' },
      ],
    };
    const codes = errorsOf(doc).map((e) => e.code);
    expect(new Set(codes)).toEqual(
      new Set([
        'UNKNOWN_FIELD',
        'INVALID_NAME',
        'INVALID_PARAMETER',
        'DUPLICATE_PARAMETER',
        'COMMAND_AND_SCRIPT',
        'MISSING_IMAGE',
        'UNDECLARED_PARAMETER',
        'NO_COMMAND',
        'RETRY_CODE_RANGE',
        'DUPLICATE_TASK',
        'UNKNOWN_DEPENDENCY',
        'SELF_DEPENDENCY',
        'CYCLE',
        'INVALID_CRON',
        'INVALID_TIMEZONE',
      ]),
    );
    expect(errorsOf(doc).find((e) => e.code === 'CYCLE')?.cycle).toEqual(['a', 'b', 'c', 'a']);
  });

  it('reports each of two separate cycles once', () => {
    const t = (name: string, ...runAfter: string[]) => ({ name, image: 'i', script: 's', runAfter });
    const doc = {
      name: 'x',
      tasks: [t('root'), t('a', 'root', 'b'), t('b', 'a'), t('c', 'root', 'd'), t('d', 'c')],
    };
    const cycles = errorsOf(doc).filter((e) => e.code === 'CYCLE');
    expect(cycles.map((c) => c.message)).toEqual(['cycle: a → b → a', 'cycle: c → d → c']);
  });

  it('reports both loops of a figure eight, each starting at its earliest task', () => {
    const t = (name: string, ...runAfter: string[]) => ({ name, image: 'i', script: 's', runAfter });
    const doc = { name: 'x', tasks: [t('root'), t('a', 'root', 'b', 'c'), t('b', 'a'), t('c', 'a')] };
    const cycles = errorsOf(doc).filter((e) => e.code === 'CYCLE');
    expect(cycles.map((c) => [c.message, c.path])).toEqual([
      ['cycle: a → b → a', '/tasks/1/runAfter/1'],
      ['cycle: a → c → a', '/tasks/1/runAfter/2'],
    ]);
  });

  it('finds a cycle through 20,000 tasks without overflowing the stack', () => {
    const n = 20_000;
    const tasks = Array.from({ length: n }, (_, i) => ({
      name: `t${i}`,
      image: 'i',
      script: 's',
      runAfter: [`t${(i + n - 1) % n}`],
    }));
    tasks.push({ name: 'root', image: 'i', script: 's', runAfter: [] });
    tasks.shift();
    const cycles = errorsOf({ name: 'big', tasks }).filter((e) => e.code === 'CYCLE');
    // t0 is gone, so the chain is broken: no cycle. Close it again to make one.
    expect(cycles).toEqual([]);
    (tasks[0] as { runAfter: string[] }).runAfter = [`t${n - 1}`];
    const closed = errorsOf({ name: 'big', tasks }).filter((e) => e.code === 'CYCLE');
    expect(closed).toHaveLength(1);
    expect(closed[0]?.cycle).toHaveLength(n);
  });

  it('accepts independent branches, nicknames, 6-field crons, time zones, plugin and referenced tasks', () => {
    for (const schedule of ['@daily', '@HOURLY', '0 */5 * * * *', '30 2 * * 1-5', '']) {
      expect(errorsOf({ ...base(), schedule, timezone: 'Europe/London' })).toEqual([]);
    }
    const doc = {
      name: 'mixed',
      tasks: [
        { name: 'a', image: 'i', script: 's' },
        { name: 'b', image: 'i', script: 's' },
        { name: 'call', type: 'http', with: { url: 'https://example.com' } },
        { name: 'shared', taskRef: { name: 'git-clone', version: 2 }, runAfter: ['a'] },
      ],
    };
    expect(errorsOf(doc)).toEqual([]);
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withSparseArray: true }), (value) => {
        expect(() => validateDag(value)).not.toThrow();
      }),
      { numRuns: 300 },
    );
    const task = fc.record(
      {
        name: fc.oneof(fc.constantFrom('a', 'b', 'c', ''), fc.anything()),
        runAfter: fc.oneof(fc.array(fc.constantFrom('a', 'b', 'c', 'd')), fc.anything()),
        image: fc.oneof(fc.string(), fc.integer()),
        script: fc.string(),
        command: fc.anything(),
        conditional: fc.anything(),
        parameters: fc.anything(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.record({
          name: fc.anything(),
          tasks: fc.oneof(fc.array(fc.oneof(task, fc.anything())), fc.anything()),
        }),
        (doc) => {
          expect(() => validateDag(doc)).not.toThrow();
        },
      ),
      { numRuns: 300 },
    );
    const hostile = {
      name: 'x',
      get tasks(): never {
        throw new Error('boom');
      },
    };
    expect(validateDag(hostile)).toMatchObject({ ok: false, errors: [{ code: 'SCHEMA' }] });
  });
});

describe('compileDag', () => {
  it('applies defaults, freezes deeply and leaves the input alone', () => {
    const doc: DagSpec = {
      name: 'etl',
      tasks: [
        { name: 'b', image: 'i', script: 's', runAfter: ['a'], podTemplate: { activeDeadlineSeconds: 60 } },
        {
          name: 'a',
          image: 'i',
          script: 's',
          backoff: { limit: 1 },
          conditional: { enabled: true, retryCodes: [2, 137] },
          timeoutSeconds: 5,
        },
        {
          name: 'c',
          image: 'i',
          script: 's',
          runAfter: ['a'],
          conditional: { enabled: false, retryCodes: [1] },
        },
      ],
    };
    const before = structuredClone(doc);
    const dag = compileDag(doc);
    expect(doc).toEqual(before);
    expect(Object.isFrozen(doc)).toBe(false);
    expect(dag.order).toEqual(['a', 'b', 'c']);
    const a = dag.tasks.get('a');
    const b = dag.tasks.get('b');
    expect(a).toMatchObject({ backoffLimit: 1, timeoutSeconds: 5, runAfter: [], children: ['b', 'c'] });
    expect([...(a?.retryCodes ?? [])]).toEqual([2, 137]);
    expect(b).toMatchObject({ backoffLimit: 3, retryCodes: null, timeoutSeconds: 60, runAfter: ['a'] });
    expect(dag.tasks.get('c')?.retryCodes).toBeNull();
    expect(Object.isFrozen(dag)).toBe(true);
    expect(Object.isFrozen(dag.spec.tasks[0]?.podTemplate)).toBe(true);
    expect(Object.isFrozen(a?.children)).toBe(true);
    expect(() => (dag.spec.tasks as unknown as unknown[]).push({})).toThrow(TypeError);
    expect(dag.spec).not.toBe(doc);
  });

  it('throws DAG_INVALID with every issue', () => {
    try {
      compileDag({ name: 'x', tasks: [] });
      expect.unreachable();
    } catch (error) {
      expect(KontrolerError.is(error, 'DAG_INVALID')).toBe(true);
      expect((error as KontrolerError<'DAG_INVALID'>).details.issues.map((i) => i.code)).toEqual([
        'NO_TASKS',
      ]);
    }
  });

  it('validates and orders a generated 10,000-task DAG (timing printed, not asserted)', () => {
    const doc = generateDag(10_000, 7);
    expect(validateDag(doc).ok).toBe(true);
    const runs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const start = performance.now();
      const dag = compileDag(doc);
      topologicalOrder(dag);
      runs.push(performance.now() - start);
    }
    runs.sort((x, y) => x - y);
    console.log(
      `validate + order, 10,000 tasks: min ${runs[0]?.toFixed(1)} ms, median ${runs[5]?.toFixed(1)} ms (target < 20 ms)`,
    );
  });
});
