/** The workflow builder produces exactly the document YAML gives, and inline functions run as tasks. */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  cel,
  createEngine,
  createFunctionRuntime,
  item,
  KontrolerError,
  NonRetryableError,
  parseDsl,
  tpl,
  validateDag,
  workflow,
} from '../../src/index.js';
import { createMemoryStore } from '../../src/testing/index.js';

const PIPELINE_YAML = `
name: etl
namespace: data
schedule: "0 3 * * *"
parameters:
  - name: date
    defaultValue: "2026-01-01"
  - name: token
    defaultFromSecret: api-token
tasks:
  - name: extract
    image: alpine:3.20
    script: echo fetching {{ params.date }}
    parameters: [date]
    outputs:
      - name: files
      - name: rows
        description: rows read
  - name: check
    runAfter: [extract]
    image: alpine:3.20
    command: [check]
    args: ["--rows={{ tasks.extract.outputs.rows }}"]
    when: tasks.extract.outputs.rows > 0 && params.date != ""
    outputs:
      - name: errors
  - name: process
    runAfter: [check]
    image: alpine:3.20
    command: [process]
    args: ["{{ item }}", "{{ tasks.extract.outputs.rows }}"]
    forEach:
      from: "{{ tasks.extract.outputs.files }}"
      parallelism: 4
    env:
      - name: RUN
        value: "{{ run.id }}"
  - name: report
    runAfter: [process]
    type: http
    triggerRule: all_done
    with:
      url: https://example.com/report
      body:
        status: "{{ tasks.process.status }}"
onExit:
  - name: notify
    image: alpine:3.20
    command: [notify]
    args: ["{{ run.status }}", "{{ run.failedTasks }}", "{{ tasks.check.outputs.errors }}"]
onExitFailsRun: false
activeDeadlineSeconds: 3600
`;

function pipeline() {
  const wf = workflow('etl', {
    namespace: 'data',
    schedule: '0 3 * * *',
    params: { date: '2026-01-01', token: { fromSecret: 'api-token' } },
    onExitFailsRun: false,
    activeDeadlineSeconds: 3600,
  });
  const extract = wf.task('extract', {
    image: 'alpine:3.20',
    script: tpl`echo fetching ${wf.params.date}`,
    parameters: ['date'],
    outputs: ['files', { name: 'rows', description: 'rows read' }],
  });
  const check = wf.task('check', {
    after: [extract],
    image: 'alpine:3.20',
    command: ['check'],
    args: [tpl`--rows=${extract.outputs.rows}`],
    when: cel`${extract.outputs.rows} > 0 && ${wf.params.date} != ""`,
    outputs: ['errors'],
  });
  const process = wf.task('process', {
    after: [check],
    image: 'alpine:3.20',
    command: ['process'],
    args: [item, extract.outputs.rows],
    forEach: { from: extract.outputs.files, parallelism: 4 },
    env: { RUN: wf.run.id },
  });
  wf.task('report', {
    after: [process],
    type: 'http',
    triggerRule: 'all_done',
    with: { url: 'https://example.com/report', body: { status: process.status } },
  });
  wf.onExit('notify', {
    image: 'alpine:3.20',
    command: ['notify'],
    args: [wf.run.status, wf.run.failedTasks, check.outputs.errors],
  });
  return wf;
}

describe('workflow builder', () => {
  it('produces the same document as the equivalent YAML, and it validates', () => {
    const doc = pipeline().toDocument();
    expect(doc).toEqual(parseYaml(PIPELINE_YAML));
    const result = validateDag(doc);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it('produces the same document as the DSL, spelling out what the DSL fills in', () => {
    const off = { enabled: false, retryCodes: [] };
    const wf = workflow('hello', { params: { who: 'world' } });
    const a = wf.task('a', {
      image: 'alpine:3',
      command: ['echo', 'hi'],
      parameters: ['who'],
      backoff: { limit: 3 },
      conditional: off,
    });
    wf.task('b', {
      after: [a],
      image: 'alpine:3',
      script: 'echo bye',
      backoff: { limit: 1 },
      conditional: { enabled: true, retryCodes: [2, 137] },
    });
    const dsl = parseDsl(
      [
        'parameters { who { default "world" } }',
        'graph { a -> b }',
        'task a { image "alpine:3" command ["echo", "hi"] parameters ["who"] }',
        'task b { image "alpine:3" script "echo bye" backoff 1 retry [2, 137] }',
      ].join('\n'),
      { name: 'hello' },
    );
    if (!dsl.ok) throw new Error(JSON.stringify(dsl.errors));
    expect(wf.toDocument()).toEqual(dsl.dag);
  });

  it('names a repeated task and a function task that also has an image, as validateDag would', () => {
    const wf = workflow('twice');
    wf.task('a', { image: 'alpine:3', command: ['true'] });
    const repeated = () => wf.task('a', { image: 'alpine:3', command: ['true'] });
    expect(repeated).toThrow(KontrolerError);
    expect(repeated).toThrow(/task "a" is added twice/);
    const both = () =>
      // @ts-expect-error — a function task has no image (refused by the types too)
      wf.task('b', { image: 'alpine:3', run: () => undefined });
    expect(both).toThrow(/function task \(run\) cannot also have an image/);
  });

  it('keeps CEL names of tasks with dashes valid', () => {
    const wf = workflow('dashes');
    const first = wf.task('load-data', { image: 'alpine:3', command: ['true'], outputs: ['rows'] });
    wf.task('next', {
      after: [first],
      image: 'alpine:3',
      command: ['true'],
      when: cel`${first.outputs.rows} > 1`,
    });
    const next = wf.toDocument().tasks[1];
    expect(next?.when).toBe('tasks["load-data"].outputs.rows > 1');
    const result = validateDag(wf.toDocument());
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});

describe('inline function tasks', () => {
  function functionWorkflow(fail?: Error) {
    const wf = workflow('inline', { params: { who: 'world' } });
    const greet = wf.task('greet', {
      parameters: ['who'],
      args: [tpl`hello ${wf.params.who}`],
      env: { MODE: 'test' },
      outputs: ['greeting', 'length'],
      run: ({ params, args, env, log }) => {
        if (fail) throw fail;
        log(`greeting ${params.who} in ${env.MODE}`);
        return { greeting: args[0], length: args[0]?.length };
      },
    });
    wf.task('after', {
      after: [greet],
      args: [tpl`${greet.outputs.greeting}!`, tpl`${greet.outputs.length}`],
      outputs: ['echoed'],
      run: ({ args }) => ({ echoed: args.join(' ') }),
    });
    return wf;
  }

  async function runOnce(wf: ReturnType<typeof functionWorkflow>) {
    const store = createMemoryStore();
    const engine = createEngine({ store, runtimes: [createFunctionRuntime([wf])], scheduler: false });
    await engine.registerDag(wf.toDocument());
    await engine.start();
    try {
      const run = await engine.submit({ namespace: wf.namespace, name: wf.name });
      const finished = await new Promise<string>((resolve) => {
        engine.events.on('run.finished', (event) => {
          if (event.run.id === run.id) resolve(event.run.state);
        });
      });
      const snapshot = await engine.getRun(run.id);
      const greet = snapshot!.attempts.find((a) => a.taskName === 'greet');
      const logs = greet ? await store.readLogs(greet.id) : [];
      return { finished, snapshot: snapshot!, logs };
    } finally {
      await engine.stop();
    }
  }

  it('runs the function with its parameters, rendered args and env; its log is stored', async () => {
    const { finished, snapshot, logs } = await runOnce(functionWorkflow());
    expect(finished).toBe('succeeded');
    expect(snapshot.attempts.map((a) => [a.taskName, a.state]).sort()).toEqual([
      ['after', 'succeeded'],
      ['greet', 'succeeded'],
    ]);
    expect(logs.map((l) => l.line)).toContain('greeting world in test');
    // Its outputs are kept with the attempt, and the next task's templates read them.
    const outputs = Object.fromEntries(snapshot.attempts.map((a) => [a.taskName, a.outputs]));
    expect(outputs).toEqual({
      greet: { greeting: 'hello world', length: 11 },
      after: { echoed: 'hello world! 11' },
    });
  });

  it('fails the task with the thrown message, and does not retry a NonRetryableError', async () => {
    const { finished, snapshot } = await runOnce(functionWorkflow(new NonRetryableError('bad input')));
    expect(finished).toBe('failed');
    const greet = snapshot.attempts.filter((a) => a.taskName === 'greet');
    expect(greet).toHaveLength(1);
    expect(greet[0]).toMatchObject({ state: 'failed', message: 'bad input' });
  });

  it('fails a function task whose workflow was not given to the runtime, without retries', async () => {
    const wf = functionWorkflow();
    const store = createMemoryStore();
    const engine = createEngine({ store, runtimes: [createFunctionRuntime([])], scheduler: false });
    await engine.registerDag(wf.toDocument());
    await engine.start();
    try {
      const run = await engine.submit({ namespace: wf.namespace, name: wf.name });
      await new Promise<void>((resolve) =>
        engine.events.on('run.finished', (event) => event.run.id === run.id && resolve()),
      );
      const snapshot = await engine.getRun(run.id);
      const greet = snapshot!.attempts.filter((a) => a.taskName === 'greet');
      expect(greet).toHaveLength(1);
      expect(greet[0]).toMatchObject({ state: 'failed', reason: 'FunctionNotFound' });
    } finally {
      await engine.stop();
    }
  });
});
