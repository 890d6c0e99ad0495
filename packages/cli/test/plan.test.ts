import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli } from './helpers.js';

describe('kontroler plan', () => {
  it('prints the levels, the critical path and what each task will do', async () => {
    const { code, stdout, stderr } = await cli(['plan', 'hello.yaml', '--param', 'greeting=hi']);
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).toBe(
      [
        'DAG hello: 4 tasks in 3 levels',
        'Parameters: greeting=hi',
        'Critical path (3 tasks): say → left → join',
        '',
        'LEVEL   TASK     AFTER        WILL   WHY',
        '0       say *    -            run',
        '1       left *   say          run',
        '1       right    say          run',
        '2       join *   left,right   run',
        '',
        '* on the critical path',
        '',
      ].join('\n'),
    );
  });

  it('shows what `when` conditions and trigger rules do for the given parameters', async () => {
    const dev = await cli(['plan', 'conditional.yaml']);
    expect([dev.code, dev.stderr]).toEqual([0, '']);
    expect(dev.stdout).toBe(
      [
        'DAG conditional: 5 tasks in 3 levels',
        'Parameters: env=dev (default)',
        'Critical path (2 tasks): build → report',
        'Conditions: 2 skipped, 1 decided during the run',
        '',
        'LEVEL   TASK       AFTER    WILL    WHY',
        '0       build *    -        run',
        `1       deploy     build    skip    ConditionFalse: "params.env == 'prod'" is false for these parameters`,
        '2       smoke      deploy   skip    UpstreamSkipped: upstream task "deploy" is skipped',
        '2       report *   deploy   run',
        '1       audit      build    maybe   ConditionUnknown: it reads tasks.build, known only during the run',
        '',
        '* on the critical path',
        '',
      ].join('\n'),
    );
    const prod = await cli(['plan', 'conditional.yaml', '--param', 'env=prod']);
    expect(prod.code).toBe(0);
    expect(prod.stdout).toContain('Critical path (3 tasks): build → deploy → smoke\n');
    expect(prod.stdout).toMatch(/^1 +deploy \* +build +run$/m);
    expect(prod.stdout).toMatch(/^2 +smoke \* +deploy +run$/m);
  });

  it('gives core’s preview as JSON for tools', async () => {
    const { code, stdout } = await cli(['plan', 'hello-dsl.dsl', '-o', 'json']);
    expect(code).toBe(0);
    const preview = JSON.parse(stdout) as {
      dag: string;
      levels: string[][];
      criticalPath: { tasks: string[] };
    };
    expect(preview.dag).toBe('hello-dsl');
    expect(preview.levels).toEqual([['say'], ['left', 'right'], ['join']]);
    expect(preview.criticalPath.tasks).toEqual(['say', 'left', 'join']);
  });

  it('renders the pod of a task with the task’s parameters as env', async () => {
    const { code, stdout } = await cli([
      'plan',
      'hello.yaml',
      '--task',
      'say',
      '--param',
      'greeting=hi',
      '-o',
      'yaml',
    ]);
    expect(code).toBe(0);
    const pod = parse(stdout) as {
      kind: string;
      metadata: { namespace: string; labels: Record<string, string> };
      spec: { containers: { image: string; command: string[]; env: unknown[] }[] };
    };
    expect(pod.kind).toBe('Pod');
    expect(pod.metadata.namespace).toBe('default');
    expect(pod.metadata.labels['kontroler.greedykomodo/task']).toBe('say');
    expect(pod.spec.containers[0]).toMatchObject({
      image: 'alpine:3.20',
      command: ['sh', '-c', 'echo $greeting from say'],
    });
    // The parameter, then the variables the engine gives every task (docs/flow/environment.md), here with
    // the preview's run and attempt ids.
    expect(pod.spec.containers[0]?.env).toEqual([
      { name: 'greeting', value: 'hi' },
      { name: 'KONTROLER_NAMESPACE', value: 'default' },
      { name: 'KONTROLER_DAG', value: 'hello' },
      { name: 'KONTROLER_DAG_VERSION', value: '1' },
      { name: 'KONTROLER_RUN_ID', value: 'preview' },
      { name: 'KONTROLER_TASK', value: 'say' },
      { name: 'KONTROLER_ATTEMPT', value: '1' },
      { name: 'KONTROLER_ATTEMPT_ID', value: 'preview' },
    ]);
  });

  it('refuses an unknown task and an unknown parameter with exit 2', async () => {
    const task = await cli(['plan', 'hello.yaml', '--task', 'nope']);
    expect(task.code).toBe(2);
    expect(task.stderr).toBe('error: DAG hello has no task "nope"; its tasks are: say, left, right, join\n');
    const param = await cli(['plan', 'hello.yaml', '--param', 'colour=red', '--param', 'size']);
    expect(param.code).toBe(2);
    expect(param.stderr).toBe('error: --param "size" is not NAME=VALUE\n');
    const unknown = await cli(['plan', 'hello.yaml', '--param', 'colour=red']);
    expect(unknown.stderr).toBe(
      'error: the parameters do not fit the DAG\n  DAG hello declares no parameter "colour"\n',
    );
  });

  it('exits 1 on an invalid DAG and shows its errors', async () => {
    const { code, stderr } = await cli(['plan', 'broken.dsl']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'error: broken.dsl: the DAG is invalid (1 error)\n' +
        '  broken.dsl:5:58  b.parameters[0]  task "b" uses parameter "missing", which is not declared\n',
    );
  });
});
