import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptContext, DagSpec, Runtime, TaskOutcome } from '../../src/index.js';
import { harness, type Harness } from './harness.js';

/** Answers each attempt with outputs made from its rendered args, and records what it was given. */
function echoRuntime(produce: (ctx: AttemptContext) => TaskOutcome['outputs'] | 'fail') {
  const calls: { task: string; args: readonly string[] }[] = [];
  const runtime: Runtime = {
    name: 'echo',
    execute: async (ctx) => {
      calls.push({ task: ctx.taskName, args: ctx.task.spec.args ?? [] });
      const outputs = produce(ctx);
      if (outputs === 'fail') return { status: 'failed', exitCode: 1, reason: 'Error' };
      return {
        status: 'succeeded',
        exitCode: 0,
        reason: 'Completed',
        ...(outputs === undefined ? {} : { outputs }),
      };
    },
  };
  return { runtime, calls };
}

const t = (name: string, fields: Partial<DagSpec['tasks'][number]> = {}) => ({
  name,
  image: 'alpine',
  command: ['run'],
  ...fields,
});

const PIPELINE: DagSpec = {
  name: 'pipeline',
  parameters: [{ name: 'prefix', defaultValue: 'p' }],
  tasks: [
    t('list', { outputs: [{ name: 'files' }, { name: 'big' }] }),
    t('process', {
      runAfter: ['list'],
      forEach: { from: '{{ tasks.list.outputs.files }}', parallelism: 2 },
      args: ['{{ params.prefix }}-{{ item }}', '{{ run.id }}'],
      outputs: [{ name: 'size' }],
    }),
    t('sum', { runAfter: ['process'], args: ['{{ tasks.process.outputs.size }}'] }),
    t('never', { runAfter: ['list'], when: 'tasks.list.outputs.big == true' }),
  ],
  onExit: [t('notify', { args: ['{{ run.status }}', '{{ run.failedTasks }}'] })],
};

describe('engine: outputs, templates, forEach and exit handlers', () => {
  let h: Harness;
  afterEach(async () => h?.engine.stop());

  it('passes outputs downstream, fans out per item, skips on a false condition and runs the exit handler', async () => {
    const echo = echoRuntime((ctx) => {
      if (ctx.taskName === 'list') return { files: ['a', 'bb', 'ccc'], big: false, undeclared: 1 };
      if (ctx.taskName.startsWith('process[')) return { size: (ctx.task.spec.args?.[0] ?? '').length };
      return undefined;
    });
    h = await harness({ runtimes: [echo.runtime] });
    await h.engine.registerDag(PIPELINE);
    const run = await h.engine.submit('pipeline');
    const finished = await h.recorder.finished(run.id);
    expect(finished.state).toBe('succeeded');
    expect(echo.calls).toEqual([
      { task: 'list', args: [] },
      { task: 'process[0]', args: ['p-a', run.id] },
      { task: 'process[1]', args: ['p-bb', run.id] },
      { task: 'process[2]', args: ['p-ccc', run.id] },
      { task: 'sum', args: ['[3,4,5]'] },
      { task: 'notify', args: ['succeeded', '[]'] },
    ]);
    const snapshot = await h.engine.getRun(run.id);
    const byName = new Map(snapshot?.attempts.map((a) => [a.taskName, a]));
    expect(byName.get('list')?.outputs).toEqual({ files: ['a', 'bb', 'ccc'], big: false });
    expect(byName.get('process')).toMatchObject({ state: 'succeeded', outputs: { size: [3, 4, 5] } });
    expect(byName.get('never')).toMatchObject({ state: 'skipped', reason: 'ConditionFalse' });
  });

  it('fails a task whose outputs pass the size limit, with OutputTooLarge, and tells the exit handler', async () => {
    const echo = echoRuntime((ctx) =>
      ctx.taskName === 'list' ? { files: ['x'.repeat(70_000)], big: false } : undefined,
    );
    h = await harness({ runtimes: [echo.runtime] });
    await h.engine.registerDag(PIPELINE);
    const run = await h.engine.submit('pipeline');
    const finished = await h.recorder.finished(run.id);
    expect(finished.state).toBe('failed');
    const list = (await h.engine.getRun(run.id))?.attempts.find((a) => a.taskName === 'list');
    expect(list).toMatchObject({ state: 'failed', reason: 'OutputTooLarge' });
    expect(list?.message).toMatch(/^output "files" is 70\d{3} bytes; at most 65536 are allowed/);
    expect(echo.calls.at(-1)).toEqual({ task: 'notify', args: ['failed', '["list"]'] });
  });

  it('finishes a run whose first plan skips every task (pending → succeeded in one commit)', async () => {
    const echo = echoRuntime(() => undefined);
    h = await harness({ runtimes: [echo.runtime] });
    await h.engine.registerDag({
      name: 'nothing-to-do',
      parameters: [{ name: 'enabled', defaultValue: 'no' }],
      tasks: [t('a', { when: 'params.enabled == "yes"' })],
    });
    const run = await h.engine.submit('nothing-to-do');
    const finished = await h.recorder.finished(run.id);
    expect(finished).toMatchObject({ state: 'succeeded', reason: '0 of 1 tasks succeeded, 1 skipped' });
    expect(finished.startedAt).not.toBeNull();
    expect(finished.finishedAt).not.toBeNull();
    expect(echo.calls).toEqual([]);
    const attempts = (await h.engine.getRun(run.id))?.attempts;
    expect(attempts?.map((a) => [a.taskName, a.state, a.reason])).toEqual([
      ['a', 'skipped', 'ConditionFalse'],
    ]);
  });
});
