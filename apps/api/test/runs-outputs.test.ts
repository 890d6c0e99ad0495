/**
 * Task outputs in the run detail (docs/flow/outputs.md): every attempt's `outputs`, a forEach instance's
 * task, index and item, a condition's skip reason, and the downstream task's args rendered from upstream
 * outputs. The harness's FakeRuntime produces the outputs; responses are checked against the OpenAPI
 * document (`validateResponses`), so an answer the schema does not describe fails the request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

const NS = '/api/v1/namespaces/default';
let h: Harness;
let editor: string;
let viewer: string;

interface Attempt {
  taskName: string;
  state: string;
  reason: string | null;
  outputs: Record<string, unknown> | null;
  instance: { of: string; index: number; item?: unknown } | null;
}
interface Detail {
  run: { id: string; state: string };
  attempts: Attempt[];
}

const task = (name: string, fields: Record<string, unknown> = {}) => ({
  name,
  image: 'alpine',
  command: ['run'],
  ...fields,
});

const FLOW = {
  name: 'flow',
  parameters: [{ name: 'greeting', defaultValue: 'hello' }],
  tasks: [
    task('extract', { outputs: [{ name: 'files' }, { name: 'rows' }] }),
    task('transform', {
      runAfter: ['extract'],
      forEach: { from: '{{ tasks.extract.outputs.files }}', parallelism: 2 },
      args: ['{{ item.path }}'],
      outputs: [{ name: 'size' }],
    }),
    task('report', {
      runAfter: ['transform'],
      args: [
        '{{ tasks.extract.outputs.rows }}',
        '{{ tasks.transform.outputs.size }}',
        '{{ params.greeting }} {{ run.name }}',
      ],
    }),
    task('publish', { runAfter: ['extract'], when: 'tasks.extract.outputs.rows > 100.0' }),
  ],
};

beforeAll(async () => {
  h = await startHarness();
  editor = (await h.user('ed', [{ role: 'editor', namespace: null }])).token;
  viewer = (await h.user('vi', [{ role: 'viewer', namespace: null }])).token;
  const saved = await h.request('POST', `${NS}/dags`, { token: editor, body: FLOW });
  expect(saved.status, saved.text).toBe(201);
  h.runtime
    .script(
      { task: 'extract' },
      { exitCode: 0, outputs: { files: [{ path: 'a.csv' }, { path: 'bb.csv' }], rows: 42 } },
    )
    .script(
      { task: 'transform[0]' },
      {
        exitCode: 0,
        outputs: (ctx) => ({ size: (ctx.task.spec.args?.[0] ?? '').length }),
      },
    )
    .script(
      { task: 'transform[1]' },
      {
        exitCode: 0,
        outputs: (ctx) => ({ size: (ctx.task.spec.args?.[0] ?? '').length }),
      },
    )
    .script({ task: 'report' }, { exitCode: 0 });
});
afterAll(async () => h?.close());

describe('run detail: outputs', () => {
  it('returns each attempt’s outputs, forEach instances with their items, and condition skips', async () => {
    const started = await h.request<{ id: string }>('POST', `${NS}/dags/flow/runs`, {
      token: editor,
      body: {},
    });
    expect(started.status, started.text).toBe(201);
    const runId = started.body.id;
    await h.waitForRun(runId, 'succeeded');

    const detail = await h.request<Detail>('GET', `${NS}/runs/${runId}`, { token: viewer });
    expect(detail.status, detail.text).toBe(200);
    const byName = new Map(detail.body.attempts.map((a) => [a.taskName, a]));
    expect(byName.get('extract')).toMatchObject({
      state: 'succeeded',
      outputs: { files: [{ path: 'a.csv' }, { path: 'bb.csv' }], rows: 42 },
      instance: null,
    });
    expect(byName.get('transform[0]')).toMatchObject({
      state: 'succeeded',
      outputs: { size: 5 },
      instance: { of: 'transform', index: 0, item: { path: 'a.csv' } },
    });
    expect(byName.get('transform[1]')).toMatchObject({
      outputs: { size: 6 },
      instance: { of: 'transform', index: 1, item: { path: 'bb.csv' } },
    });
    // The forEach task itself carries each output as the list of its instances' values, in item order.
    expect(byName.get('transform')).toMatchObject({
      state: 'succeeded',
      outputs: { size: [5, 6] },
      instance: null,
    });
    expect(byName.get('publish')).toMatchObject({
      state: 'skipped',
      reason: 'ConditionFalse',
      outputs: null,
    });
    // A task without declared outputs has none.
    expect(byName.get('report')).toMatchObject({ state: 'succeeded', outputs: null });

    // The downstream task ran with its args rendered from the upstream outputs and the run's parameters.
    const report = h.runtime.calls.find((c) => c.runId === runId && c.taskName === 'report');
    expect(report?.task.spec.args).toEqual(['42', '[5,6]', 'hello flow']);
  });

  it('shows no outputs for a task still running (null, as the schema says)', async () => {
    h.runtime.script({ task: 'extract' }, { exitCode: 0, hang: true });
    const started = await h.request<{ id: string }>('POST', `${NS}/dags/flow/runs`, {
      token: editor,
      body: {},
    });
    await h.executed(started.body.id, 'extract');
    const detail = await h.request<Detail>('GET', `${NS}/runs/${started.body.id}`, { token: viewer });
    expect(detail.status, detail.text).toBe(200);
    expect(detail.body.attempts.find((a) => a.taskName === 'extract')).toMatchObject({
      state: 'running',
      outputs: null,
    });
    await h.request('POST', `${NS}/runs/${started.body.id}/cancel`, { token: editor });
    await h.waitForRun(started.body.id, 'canceled');
  });
});
