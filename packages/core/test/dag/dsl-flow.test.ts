import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkDagDocument, parseDsl, printDsl, validateDag, type DagSpec } from '../../src/dag/index.js';
import { parseDslWithPositions } from '../../src/dag/dsl-parse.js';

/** Every data and control flow field (docs/flow), written in the DSL. */
const FLOW_EXAMPLE = `activeDeadlineSeconds 3600
onExitFailsRun true
graph {
  extract -> { load, report }
}
task extract {
  image "alpine:3.20"
  script "echo 42 > $KONTROLER_OUTPUTS/rows"
  outputs ["rows", "files" { description "paths written" }]
}
task load {
  image "alpine:3.20" command ["load"]
  args ["{{ item }}"]
  env { ROWS "{{ tasks.extract.outputs.rows }}" "LOG_LEVEL" "debug" }
  when "tasks.extract.outputs.rows > 0"
  forEach { from "{{ tasks.extract.outputs.files }}" parallelism 4 }
}
task report {
  image "alpine:3.20" command ["report"]
  args ["{{ item }}"]
  triggerRule all_done
  forEach { items ["a", 2, true, null] }
}
task mixed {
  image "alpine:3.20" command ["mixed"]
  forEach { items """[{"region": "eu"}, -1.5]""" }
}
onExit {
  graph { notify -> cleanup }
  task notify { image "curlimages/curl:8.10.1" args ["{{ run.status }}"] script "curl" }
  task cleanup { image "alpine:3.20" when """run.status == "failed"""" script "rm -rf /tmp/x" }
}
`;

const defaults = { backoff: { limit: 3 }, conditional: { enabled: false, retryCodes: [] } };

const FLOW_DOCUMENT: DagSpec = {
  name: 'flow',
  tasks: [
    {
      name: 'extract',
      image: 'alpine:3.20',
      script: 'echo 42 > $KONTROLER_OUTPUTS/rows',
      ...defaults,
      outputs: [{ name: 'rows' }, { name: 'files', description: 'paths written' }],
    },
    {
      name: 'load',
      image: 'alpine:3.20',
      command: ['load'],
      args: ['{{ item }}'],
      runAfter: ['extract'],
      ...defaults,
      env: [
        { name: 'ROWS', value: '{{ tasks.extract.outputs.rows }}' },
        { name: 'LOG_LEVEL', value: 'debug' },
      ],
      when: 'tasks.extract.outputs.rows > 0',
      forEach: { from: '{{ tasks.extract.outputs.files }}', parallelism: 4 },
    },
    {
      name: 'report',
      image: 'alpine:3.20',
      command: ['report'],
      args: ['{{ item }}'],
      runAfter: ['extract'],
      ...defaults,
      triggerRule: 'all_done',
      forEach: { items: ['a', 2, true, null] },
    },
    {
      name: 'mixed',
      image: 'alpine:3.20',
      command: ['mixed'],
      ...defaults,
      forEach: { items: [{ region: 'eu' }, -1.5] },
    },
  ],
  onExit: [
    {
      name: 'notify',
      image: 'curlimages/curl:8.10.1',
      args: ['{{ run.status }}'],
      script: 'curl',
      ...defaults,
    },
    {
      name: 'cleanup',
      image: 'alpine:3.20',
      script: 'rm -rf /tmp/x',
      runAfter: ['notify'],
      ...defaults,
      when: 'run.status == "failed"',
    },
  ],
  onExitFailsRun: true,
  activeDeadlineSeconds: 3600,
};

describe('parseDsl: data and control flow fields', () => {
  it('reads every field into the document, which validates', () => {
    const result = parseDsl(FLOW_EXAMPLE, { name: 'flow' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.dag).toEqual(FLOW_DOCUMENT);
    expect(result.warnings).toEqual([]);
    const validation = validateDag(result.dag);
    expect(validation.ok ? [] : validation.errors).toEqual([]);
  });

  it('prints them readably and parses the print back to the same document', () => {
    const printed = printDsl(FLOW_DOCUMENT);
    expect(printed).toContain('  outputs ["rows", "files" { description "paths written" }]\n');
    expect(printed).toContain('  env { ROWS "{{ tasks.extract.outputs.rows }}" LOG_LEVEL "debug" }\n');
    expect(printed).toContain('  when "tasks.extract.outputs.rows > 0"\n');
    expect(printed).toContain('  forEach { from "{{ tasks.extract.outputs.files }}" parallelism 4 }\n');
    expect(printed).toContain('  triggerRule all_done\n');
    expect(printed).toContain('  forEach { items ["a", 2, true, null] }\n');
    expect(printed).toContain('  forEach { items """[{"region":"eu"},-1.5]""" }\n');
    expect(printed).toContain('activeDeadlineSeconds 3600\n\nonExitFailsRun true\n\nonExit {\n  graph {\n');
    expect(printed).toContain('    notify -> cleanup\n');
    expect(printed).toContain('  task cleanup {\n');
    expect(printed).toContain('    when """run.status == "failed""""\n');
    expect(parseDsl(printed, { name: 'flow' })).toEqual({ ok: true, dag: FLOW_DOCUMENT, warnings: [] });
  });

  it('records where each new field is, for issues that validateDag finds later', () => {
    const { positions } = parseDslWithPositions(FLOW_EXAMPLE);
    const where = (path: string) => {
      const p = positions.get(path);
      return p && `${p.line}:${p.column}`;
    };
    expect(where('/activeDeadlineSeconds')).toBe('1:1');
    expect(where('/onExitFailsRun')).toBe('2:1');
    expect(where('/tasks/0/outputs')).toBe('9:3');
    expect(where('/tasks/0/outputs/1')).toBe('9:20');
    expect(where('/tasks/1/env/1')).toBe('14:49');
    expect(where('/tasks/1/when')).toBe('15:3');
    expect(where('/tasks/1/forEach/from')).toBe('16:13');
    expect(where('/tasks/1/forEach/parallelism')).toBe('16:54');
    expect(where('/tasks/2/triggerRule')).toBe('21:3');
    expect(where('/tasks/2/forEach/items')).toBe('22:13');
    expect(where('/onExit')).toBe('28:1');
    expect(where('/onExit/1')).toBe('31:8');
    expect(where('/onExit/1/when')).toBe('31:38');
    expect(where('/onExit/1/runAfter/0')).toBe('29:11');
  });

  it('points validateDag-level problems of exit handlers at their own list', () => {
    const text =
      'task a { image "i" }\nonExit {\n  graph { a -> notify }\n  task notify { parameters ["p"] }\n}';
    const result = parseDsl(text);
    const errors = result.ok ? [] : result.errors;
    expect(errors.map((e) => `${e.code}@${e.line}:${e.column} ${e.path}`)).toEqual([
      'UNKNOWN_DEPENDENCY@3:11 ',
      'UNDECLARED_PARAMETER@4:29 /onExit/0/parameters/0',
    ]);
    expect(errors[0]?.message).toBe('onExit edge source "a" is not a defined exit handler');
  });

  it.each([
    {
      title: 'an unknown trigger rule',
      text: 'task a {\n  triggerRule all_sucess\n}',
      line: 2,
      column: 15,
      message:
        'expected a trigger rule (all_success, all_failed, all_done, all_skipped, one_failed, one_success, one_done, none_failed, none_failed_min_one_success, none_skipped, always) but found "all_sucess"',
    },
    {
      title: 'an unknown forEach field',
      text: 'task a {\n  forEach { from "{{ tasks.b.outputs.c }}" paralelism 2 }\n}',
      line: 2,
      column: 44,
      message: 'expected items, from, parallelism or "}" but found "paralelism"',
    },
    {
      title: 'forEach items that are not a JSON list',
      text: 'task a {\n  forEach {\n    items """{"a": 1}"""\n  }\n}',
      line: 3,
      column: 11,
      message: 'items: expected "[" or a string holding a JSON list',
    },
    {
      title: 'forEach items that are not JSON at all',
      text: 'task a { forEach { items "[1,"} }',
      line: 1,
      column: 26,
      message: /^items: not valid JSON \(/,
    },
    {
      title: 'a forEach item the list cannot hold',
      text: 'task a { forEach { items ["a", { }] } }',
      line: 1,
      column: 32,
      message: 'expected a string, a number, true, false or null but found "{"',
    },
    {
      title: 'a forEach integer beyond 2^53',
      text: 'task a { forEach { items [9007199254740993] } }',
      line: 1,
      column: 27,
      message:
        'expected an integer up to 9007199254740991 (write larger ones as JSON) but found number 9007199254740993',
    },
    {
      title: 'an env variable without a value',
      text: 'task a {\n  env { A "1" B }\n}',
      line: 2,
      column: 17,
      message: 'expected a string but found "}"',
    },
    {
      title: 'an output field that does not exist',
      text: 'task a { outputs ["rows" { path "/x" }] }',
      line: 1,
      column: 28,
      message: 'expected valueFrom, description or "}" but found "path"',
    },
    {
      title: 'a when without a string',
      text: 'task a { when true }',
      line: 1,
      column: 15,
      message: 'expected a string but found "true"',
    },
    {
      title: 'an unquoted condition',
      text: 'task a {\n  when tasks.b.outputs.c > 0\n}',
      line: 2,
      column: 13,
      message: 'unexpected character "." (a condition is a quoted string: when "…")',
    },
    {
      title: 'onExitFailsRun that is not a boolean',
      text: 'task a { image "i" }\n\nonExitFailsRun yes',
      line: 3,
      column: 16,
      message: 'expected true or false but found "yes"',
    },
    {
      title: 'a negative activeDeadlineSeconds',
      text: 'activeDeadlineSeconds -5',
      line: 1,
      column: 23,
      message: 'unexpected character "-"',
    },
    {
      title: 'a stray word in onExit',
      text: 'onExit {\n  notify { }\n}',
      line: 2,
      column: 3,
      message: 'expected "task", "graph" or "}" but found "notify"',
    },
  ])('reports $title at its line and column', ({ text, line, column, message }) => {
    const result = parseDsl(text);
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'PARSE_ERROR', path: '', line, column });
    if (typeof message === 'string') expect(errors[0]?.message).toBe(message);
    else expect(errors[0]?.message).toMatch(message);
  });

  it('leaves a wrong but well-formed value to validateDag, which names the field', () => {
    const result = parseDsl('activeDeadlineSeconds 0\ntask a { image "i" forEach { } }');
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const validation = validateDag(result.dag);
    const paths = validation.ok ? [] : validation.errors.map((e) => e.path);
    expect(paths).toContain('/activeDeadlineSeconds');
    expect(paths.some((p) => p.startsWith('/tasks/0/forEach'))).toBe(true);
  });

  it('reads a """ string that ends with a quote (a CEL comparison with a string)', () => {
    const result = parseDsl('task a { when """params.env == "prod"""" image "i" }');
    expect(result.ok && result.dag.tasks[0]).toMatchObject({ when: 'params.env == "prod"', image: 'i' });
  });
});

describe('docs/flow DSL examples', () => {
  it('the complete example in docs/flow/README.md parses, validates and round-trips', () => {
    const doc = readFileSync(new URL('../../../../docs/flow/README.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## In the DSL'));
    const text = section.slice(
      section.indexOf('```\n') + 4,
      section.indexOf('\n```', section.indexOf('```\n') + 4),
    );
    const result = parseDsl(text, { name: 'docs' });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const validation = validateDag(result.dag);
    expect(validation.ok ? [] : validation.errors).toEqual([]);
    expect(result.dag.onExit?.map((t) => t.name)).toEqual(['notify', 'cleanup']);
    expect(parseDsl(printDsl(result.dag), { name: 'docs' })).toEqual(result);
  });
});

describe('checkDagDocument on DSL with flow fields', () => {
  it('points validation issues of the new fields at their line and column', () => {
    const text = [
      'activeDeadlineSeconds 0', // 1
      'task a {', // 2
      '  image "i" script "s"', // 3
      '  outputs ["rows"]', // 4
      '}', // 5
      'graph { a -> b }', // 6
      'task b {', // 7
      '  image "i" script "s"', // 8
      '  when "tasks.a.outputs.nope > 0"', // 9
      '  forEach { items ["x"] parallelism 0 }', // 10
      '}', // 11
      'onExit {', // 12
      '  task notify { image "i" script "s" env { MSG "{{ tasks.ghost.outputs.x }}" } }', // 13
      '}', // 14
    ].join('\n');
    const result = checkDagDocument({ format: 'dsl', text, name: 'flow' });
    const brief = result.errors.map((e) => `${e.path} ${e.code}@${e.line}:${e.column}`).sort();
    expect(brief).toEqual([
      '/activeDeadlineSeconds SCHEMA@1:1',
      '/onExit/0/env/0/value UNKNOWN_REFERENCE@13:44',
      '/tasks/1/forEach/parallelism SCHEMA@10:25',
      '/tasks/1/when UNDECLARED_OUTPUT@9:3',
    ]);
  });
});
