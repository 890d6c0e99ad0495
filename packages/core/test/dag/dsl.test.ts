import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDsl, printDsl, validateDag, type DagSpec, type TaskSpec } from '../../src/dag/index.js';
import { TRIGGER_RULES } from '../../src/dag/schema.js';

const COMPAT_EXAMPLE = `schedule "30 2 * * 1-5"
parameters {
  region { default "eu-west-1" }
  api_token { defaultFromSecret "etl-token" }
}
graph {
  extract -> { clean, enrich }
  clean -> load
  enrich -> load
}
task extract { image "alpine:3.20" command ["sh", "-c"] args ["echo extracting from $region"] parameters ["region"] }
task clean   { image "alpine:3.20" script "echo cleaning" backoff 1 }
task enrich  { image "alpine:3.20" script "echo enriching" retry [2, 137] parameters ["api_token"] }
task load    { image "alpine:3.20" script """
set -e
echo loading
""" }
`;

const off = { enabled: false, retryCodes: [] };

describe('parseDsl', () => {
  it('reads the compat note example exactly', () => {
    const result = parseDsl(COMPAT_EXAMPLE, { name: 'etl' });
    expect(result).toEqual({
      ok: true,
      warnings: [],
      dag: {
        name: 'etl',
        schedule: '30 2 * * 1-5',
        parameters: [
          { name: 'region', defaultValue: 'eu-west-1' },
          { name: 'api_token', defaultFromSecret: 'etl-token' },
        ],
        tasks: [
          {
            name: 'extract',
            image: 'alpine:3.20',
            command: ['sh', '-c'],
            args: ['echo extracting from $region'],
            parameters: ['region'],
            backoff: { limit: 3 },
            conditional: off,
          },
          {
            name: 'clean',
            image: 'alpine:3.20',
            script: 'echo cleaning',
            runAfter: ['extract'],
            backoff: { limit: 1 },
            conditional: off,
          },
          {
            name: 'enrich',
            image: 'alpine:3.20',
            script: 'echo enriching',
            runAfter: ['extract'],
            parameters: ['api_token'],
            backoff: { limit: 3 },
            conditional: { enabled: true, retryCodes: [2, 137] },
          },
          {
            name: 'load',
            image: 'alpine:3.20',
            script: '\nset -e\necho loading\n',
            runAfter: ['clean', 'enrich'],
            backoff: { limit: 3 },
            conditional: off,
          },
        ],
      },
    });
    if (result.ok) expect(validateDag(result.dag).ok).toBe(true);
  });

  it('names the DAG "dag" unless told otherwise, and accepts one task without a graph', () => {
    const result = parseDsl('task only { image "alpine" script "true" }');
    expect(result.ok && result.dag).toEqual({
      name: 'dag',
      tasks: [{ name: 'only', image: 'alpine', script: 'true', backoff: { limit: 3 }, conditional: off }],
    });
  });

  it('accepts chained edges, groups on both sides and the README parameter form', () => {
    const text = `
      parameters { param "my-param" { default "v" } param "secret-param" { secret "s" } }
      graph { a -> b -> { c, d } -> e  {a, b} -> f }
      task a { image "i" script "s" } task b { image "i" script "s" } task c { image "i" script "s" }
      task d { image "i" script "s" } task e { image "i" script "s" } task f { image "i" script "s" }`;
    const result = parseDsl(text);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const runAfter = Object.fromEntries(result.dag.tasks.map((t) => [t.name, t.runAfter ?? []]));
    expect(runAfter).toEqual({ a: [], b: ['a'], c: ['b'], d: ['b'], e: ['c', 'd'], f: ['a', 'b'] });
    expect(result.dag.parameters).toEqual([
      { name: 'my-param', defaultValue: 'v' },
      { name: 'secret-param', defaultFromSecret: 's' },
    ]);
  });

  it('keeps the script when a task also has a command (as Kontroler runs it), with a warning', () => {
    const result = parseDsl('task t {\n  image "i"\n  command ["sh"]\n  script "echo"\n}');
    expect(result.ok && result.dag.tasks[0]).toMatchObject({ script: 'echo' });
    expect(result.ok && result.dag.tasks[0]?.command).toBeUndefined();
    expect(result.ok && result.warnings).toEqual([
      {
        code: 'COMMAND_AND_SCRIPT',
        path: '/tasks/0/command',
        task: 't',
        message: 'task "t" sets both command and script; the script runs and command is ignored',
        line: 1,
        column: 6,
      },
    ]);
  });

  it('reads retryPolicy as a task field (an extension of Kontroler’s DSL)', () => {
    const result = parseDsl('task a { image "i" script "s" retryPolicy OnError backoff 2 }');
    expect(result.ok && result.dag.tasks[0]).toMatchObject({ retryPolicy: 'OnError', backoff: { limit: 2 } });
  });

  it('lets the last schedule, parameters and graph win, and ignores comments', () => {
    const text = `schedule "@daily" // first
      schedule "@hourly"
      graph { a -> b } graph { b -> a }
      task a { image "i" script "s" } // a comment with "quotes" and -> arrows
      task b { image "i" script "s" }`;
    const result = parseDsl(text);
    expect(result.ok && result.dag.schedule).toBe('@hourly');
    expect(result.ok && result.dag.tasks.map((t) => t.runAfter)).toEqual([['b'], undefined]);
  });

  it.each([
    {
      title: 'an unknown task field',
      text: 'task a {\n  image "x"\n  imagee "y"\n}',
      error: {
        code: 'PARSE_ERROR',
        line: 3,
        column: 3,
        message:
          'expected image, command, args, script, parameters, retry, backoff, retryPolicy, outputs, env, when, triggerRule, forEach, approval or "}" but found "imagee"',
      },
    },
    {
      title: 'an unknown retry policy',
      text: 'task a {\n  retryPolicy Sometimes\n}',
      error: {
        code: 'PARSE_ERROR',
        line: 2,
        column: 15,
        message: 'expected OnFailure, OnError, Always or OnTransientError but found "Sometimes"',
      },
    },
    {
      title: 'an edge written without spaces',
      text: 'task a { image "x" }\ngraph {\n  a->b\n}',
      error: {
        code: 'PARSE_ERROR',
        line: 3,
        column: 5,
        message: 'unexpected character ">" (identifiers may contain "-": write "a -> …" with spaces)',
      },
    },
    {
      title: 'an unterminated string',
      text: 'schedule "* * * * *',
      error: { code: 'PARSE_ERROR', line: 1, column: 10, message: 'unterminated string' },
    },
    {
      title: 'a non-number retry code',
      text: 'task a { retry [1, x] }',
      error: { code: 'PARSE_ERROR', line: 1, column: 20, message: 'expected a number but found "x"' },
    },
    {
      title: 'an unclosed task',
      text: '// header\ntask a {',
      error: {
        code: 'PARSE_ERROR',
        line: 2,
        column: 9,
        message: 'expected a task field or "}" but found end of input',
      },
    },
    {
      title: 'a stray top-level word',
      text: '\n\n   steps { }',
      error: {
        code: 'PARSE_ERROR',
        line: 3,
        column: 4,
        message:
          'expected "schedule", "parameters", "graph", "task", "onExit", "onExitFailsRun", "activeDeadlineSeconds", "maxActiveRuns" or "priority" but found "steps"',
      },
    },
    {
      title: 'an unterminated multi-line string',
      text: 'task a {\n  script """\necho',
      error: { code: 'PARSE_ERROR', line: 2, column: 10, message: 'unterminated """ string' },
    },
  ])('reports $title at its line and column', ({ text, error }) => {
    const result = parseDsl(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([{ path: '', ...error }]);
  });

  it('reports every semantic error at once, each at its position', () => {
    const text = [
      'parameters { p { } q { default "a" defaultFromSecret "b" } p { default "c" } }',
      'graph { ghost -> a  a -> nowhere  a -> a }',
      'task a { image "i" script "s" parameters ["p", "undeclared"] }',
      'task a { image "i" script "s" }',
    ].join('\n');
    const result = parseDsl(text);
    const errors = result.ok ? [] : result.errors;
    const brief = errors.map((e) => `${e.code}@${e.line}:${e.column}`);
    expect(brief).toEqual([
      'DUPLICATE_TASK@4:6',
      'UNKNOWN_DEPENDENCY@2:9',
      'UNKNOWN_DEPENDENCY@2:26',
      'SELF_DEPENDENCY@2:35',
      'INVALID_PARAMETER@1:14',
      'INVALID_PARAMETER@1:20',
      'DUPLICATE_PARAMETER@1:60',
      'UNDECLARED_PARAMETER@3:48',
    ]);
    expect(errors[2]?.message).toBe('edge target "nowhere" is not a defined task');
    expect(errors.every((e) => typeof e.line === 'number' && typeof e.column === 'number')).toBe(true);
  });

  it('never throws, on any text', () => {
    const tokens = fc.constantFrom(
      'task',
      'graph',
      'parameters',
      'schedule',
      'image',
      'script',
      'retry',
      'backoff',
      'a',
      'b',
      '->',
      '{',
      '}',
      '[',
      ']',
      ',',
      '"x"',
      '"""y"""',
      '1',
      '//c\n',
      '\n',
      ' ',
      '"',
      'param',
      'default',
      'secret',
      '-',
      '>',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(tokens).map((t) => t.join(' ')),
        ),
        (text) => {
          const result = parseDsl(text);
          if (!result.ok) for (const e of result.errors) expect(e.line).toBeGreaterThanOrEqual(1);
        },
      ),
      { numRuns: 1000 },
    );
    expect(parseDsl(42 as unknown as string).ok).toBe(false);
  });
});

/** Names that lex as identifiers or need quoting; values without `"` (plain strings cannot hold one). */
const ident = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const text = fc.string({
  unit: fc.constantFrom('a', 'b', ' ', '$', '-', "'", '/', '{', '\\', 'é'),
  maxLength: 12,
});
const scriptText = fc.oneof(
  text,
  fc.array(fc.oneof(text, fc.constant('"x"')), { maxLength: 4 }).map((lines) => `\n${lines.join('\n')}\n`),
);

/** CEL conditions, some ending in a quote (written as `"""…""""`). */
const condition = fc.oneof(
  text.filter((t) => t.length > 0),
  fc.constantFrom('params.env == "prod"', '"a" in params', 'run.status == ""', 'tasks.a.outputs.rows > 0'),
);
/** JSON values as a document holds them (no -0, no undefined). */
const jsonItem = fc
  .oneof(text, fc.nat(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }))
  .map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const flowFields = fc.record(
  {
    outputs: fc.uniqueArray(
      fc.record(
        { name: ident, description: text, valueFrom: fc.constantFrom('/body/rows', '/status') },
        { requiredKeys: ['name'] },
      ),
      { selector: (o) => o.name, maxLength: 3 },
    ),
    env: fc.array(fc.record({ name: fc.oneof(ident, fc.constant('MY VAR')), value: text }), { maxLength: 3 }),
    when: condition,
    triggerRule: fc.constantFrom(...TRIGGER_RULES),
    forEach: fc.record(
      {
        items: fc.array(jsonItem, { maxLength: 4 }),
        from: fc.constantFrom('{{ tasks.a.outputs.files }}', ''),
        parallelism: fc.integer({ min: 0, max: 100 }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

const dslDag: fc.Arbitrary<DagSpec> = fc
  .record({
    names: fc.uniqueArray(ident, { minLength: 1, maxLength: 8 }),
    exitNames: fc.option(fc.uniqueArray(ident, { maxLength: 3 }), { nil: undefined }),
    flows: fc.array(flowFields, { minLength: 11, maxLength: 11 }),
    onExitFailsRun: fc.option(fc.boolean(), { nil: undefined }),
    activeDeadlineSeconds: fc.option(fc.integer({ min: 1, max: 2_000_000_000 }), { nil: undefined }),
    params: fc.option(
      fc.uniqueArray(
        fc.record({ name: fc.oneof(ident, fc.constant('my param')), secret: fc.boolean(), value: text }),
        { selector: (p) => p.name, maxLength: 3 },
      ),
      { nil: undefined },
    ),
    schedule: fc.option(fc.constantFrom('@daily', '*/5 * * * *', ''), { nil: undefined }),
    seed: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
    bodies: fc.array(
      fc.record(
        {
          image: text,
          command: fc.array(text, { maxLength: 3 }),
          args: fc.array(text, { maxLength: 3 }),
          script: scriptText,
          retry: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 3 }),
          backoff: fc.integer({ min: 0, max: 10 }),
          retryPolicy: fc.constantFrom('OnFailure', 'OnError', 'Always', 'OnTransientError' as const),
        },
        { requiredKeys: [] },
      ),
      { minLength: 8, maxLength: 8 },
    ),
  })
  .map(
    ({ names, exitNames, flows, onExitFailsRun, activeDeadlineSeconds, params, schedule, seed, bodies }) => {
      const dag: DagSpec = { name: 'dag', tasks: [] };
      if (schedule !== undefined) dag.schedule = schedule;
      if (params !== undefined) {
        dag.parameters = params.map((p) =>
          p.secret ? { name: p.name, defaultFromSecret: p.value } : { name: p.name, defaultValue: p.value },
        );
      }
      let s = 0;
      const pick = () => seed[s++ % seed.length] as number;
      const makeTask = (
        names: readonly string[],
        name: string,
        i: number,
        body: (typeof bodies)[number] = {},
      ) => {
        const task: TaskSpec = { name };
        if (body.image !== undefined) task.image = body.image;
        // Script wins over command in the DSL, so a DSL-expressible task has at most one of them.
        if (body.script !== undefined) task.script = body.script;
        else if (body.command !== undefined) task.command = body.command;
        if (body.args !== undefined) task.args = body.args;
        const earlier = names.slice(0, i).filter(() => pick() % 3 === 0);
        if (earlier.length > 0) task.runAfter = earlier;
        if (dag.parameters && dag.parameters.length > 0 && pick() % 2 === 0) {
          task.parameters = [dag.parameters[pick() % dag.parameters.length]?.name as string];
        }
        task.backoff = { limit: body.backoff ?? 3 };
        task.conditional = body.retry
          ? { enabled: true, retryCodes: body.retry }
          : { enabled: false, retryCodes: [] };
        if (body.retryPolicy !== undefined) task.retryPolicy = body.retryPolicy;
        return task;
      };
      dag.tasks = names.map((name, i) => ({ ...makeTask(names, name, i, bodies[i]), ...flows[i] }));
      if (exitNames !== undefined) {
        dag.onExit = exitNames.map((name, i) => ({
          ...makeTask(exitNames, name, i, bodies[(i + 3) % bodies.length]),
          ...flows[8 + i],
        }));
      }
      if (onExitFailsRun !== undefined) dag.onExitFailsRun = onExitFailsRun;
      if (activeDeadlineSeconds !== undefined) dag.activeDeadlineSeconds = activeDeadlineSeconds;
      return dag;
    },
  );

describe('printDsl', () => {
  it('round-trips every DAG the DSL can express', () => {
    fc.assert(
      fc.property(dslDag, (dag) => {
        const printed = printDsl(dag);
        const parsed = parseDsl(printed);
        if (!parsed.ok) throw new Error(`${printed}\n${JSON.stringify(parsed.errors)}`);
        expect(parsed.dag).toEqual(dag);
        expect(parsed.warnings).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('prints the compat example readably and round-trips it', () => {
    const parsed = parseDsl(COMPAT_EXAMPLE, { name: 'etl' });
    if (!parsed.ok) throw new Error('parses');
    const printed = printDsl(parsed.dag);
    expect(printed).toContain(
      'graph {\n  extract -> clean\n  extract -> enrich\n  clean -> load\n  enrich -> load\n}',
    );
    expect(printed).toContain(
      'task load {\n  image "alpine:3.20"\n  script """\nset -e\necho loading\n"""\n}',
    );
    expect(printed).toContain('  retry [2, 137]');
    expect(printed).toContain('  backoff 1');
    expect(parseDsl(printed, { name: 'etl' })).toEqual(parsed);
  });
});

describe('run limits in the DSL', () => {
  it('parses maxActiveRuns and priority, validates them, and prints them back', () => {
    const text = 'maxActiveRuns 2\npriority 10\n\ntask build {\n  image "alpine"\n  command ["true"]\n}\n';
    const result = parseDsl(text);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect([result.dag.maxActiveRuns, result.dag.priority]).toEqual([2, 10]);
    expect(validateDag(result.dag).ok).toBe(true);
    const again = parseDsl(printDsl(result.dag));
    expect(again.ok && [again.dag.maxActiveRuns, again.dag.priority]).toEqual([2, 10]);
  });

  it('refuses maxActiveRuns 0 with the field named', () => {
    const result = validateDag({
      name: 'x',
      maxActiveRuns: 0,
      tasks: [{ name: 't', image: 'a', command: ['true'] }],
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.path)).toContain('/maxActiveRuns');
  });
});
