/**
 * Task-level actions over PostgreSQL (docs/task-actions.md): rerun a task with or without its downstream,
 * mark a task succeeded or failed; each with its audit row and run events, 403 for viewers, 409 for what
 * the run's state does not allow. Tasks run on the harness's FakeRuntime: `first` and `second` are scripted
 * per test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAIL, HANG, sampleDag, startHarness, SUCCEED, type Harness } from './support/harness.js';
import { openSse, type SseClient } from './support/sse-client.js';

const V1 = '/api/v1';
const NS = `${V1}/namespaces/default`;
let h: Harness;
let admin: string;
let editor: string;
let viewer: string;

interface Attempt {
  id: string;
  taskName: string;
  attempt: number;
  state: string;
  reason: string | null;
  message: string | null;
}
interface ActionResult {
  run: { id: string; state: string };
  attempts: Attempt[];
}
interface Problem {
  code: string;
  detail: string;
}
interface AuditItem {
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

beforeAll(async () => {
  h = await startHarness();
  admin = (await h.user('ta-admin', [{ role: 'admin', namespace: null }])).token;
  editor = (await h.user('ta-editor', [{ role: 'editor', namespace: null }])).token;
  viewer = (await h.user('ta-viewer', [{ role: 'viewer', namespace: null }])).token;
  const dag = sampleDag('pair', {
    tasks: [
      { name: 'first', image: 'alpine', command: ['true'] },
      { name: 'second', image: 'alpine', command: ['true'], runAfter: ['first'] },
    ],
  });
  const saved = await h.request('POST', `${NS}/dags`, { token: editor, body: dag });
  expect(saved.status, saved.text).toBe(201);
});
afterAll(async () => h?.close());

/** A run of `pair` that ended in `state` (`first` fails for a failed one). */
async function finishedRun(state: 'succeeded' | 'failed'): Promise<string> {
  h.runtime
    .script({ task: 'first' }, state === 'failed' ? FAIL : SUCCEED)
    .script({ task: 'second' }, SUCCEED);
  const run = await h.request<{ id: string }>('POST', `${NS}/dags/pair/runs`, { token: editor, body: {} });
  expect(run.status, run.text).toBe(201);
  await h.waitForRun(run.body.id, state);
  return run.body.id;
}

const roundEnded = (runId: string, state: string) =>
  h.waitForRun(runId, (s) => s.run.round === 2 && s.run.state === state);

async function lastAudit(action: string): Promise<AuditItem | undefined> {
  const reply = await h.request<{ items: AuditItem[] }>('GET', `${V1}/audit?action=${action}&limit=1`, {
    token: admin,
  });
  return reply.body.items[0];
}

async function events(runId: string): Promise<SseClient> {
  return openSse(`${h.url}${V1}/events?runId=${runId}`, { authorization: `Bearer ${viewer}` });
}

describe('task actions', () => {
  it('reruns one task of a succeeded run: the run reopens, an audit row and a task.rerun event', async () => {
    const runId = await finishedRun('succeeded');
    const stream = await events(runId);
    const reply = await h.request<ActionResult>('POST', `${NS}/runs/${runId}/tasks/first/rerun`, {
      token: editor,
      body: { downstream: false },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.run.state).toBe('running');
    expect(reply.body.attempts).toMatchObject([
      { taskName: 'first', attempt: 2, state: 'waiting', reason: 'Rerun' },
    ]);
    const event = await stream.waitFor((e) => e.event === 'task.rerun');
    expect(JSON.parse(event.data).attempt).toMatchObject({
      id: reply.body.attempts[0]?.id,
      taskName: 'first',
    });
    stream.close();
    const after = await roundEnded(runId, 'succeeded');
    // `second` kept its result: only `first` ran again.
    expect(after.attempts.map((a) => `${a.taskName}#${a.attempt}`).sort()).toEqual([
      'first#1',
      'first#2',
      'second#1',
    ]);
    expect(await lastAudit('run.task.rerun')).toMatchObject({
      actor: 'ta-editor',
      target: runId,
      details: { namespace: 'default', dag: 'pair', task: 'first', downstream: false },
    });
  });

  it('reruns a task with its downstream tasks', async () => {
    const runId = await finishedRun('succeeded');
    const reply = await h.request<ActionResult>('POST', `${NS}/runs/${runId}/tasks/first/rerun`, {
      token: editor,
      body: { downstream: true },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.attempts.map((a) => a.taskName)).toEqual(['first', 'second']);
    const after = await roundEnded(runId, 'succeeded');
    expect(after.attempts.filter((a) => a.taskName === 'second').map((a) => a.state)).toEqual([
      'succeeded',
      'succeeded',
    ]);
    expect(await lastAudit('run.task.rerun')).toMatchObject({ details: { downstream: true } });
  });

  it('marks a failed task succeeded: its downstream runs and the run succeeds, without running it', async () => {
    const runId = await finishedRun('failed');
    const stream = await events(runId);
    const reply = await h.request<ActionResult>('POST', `${NS}/runs/${runId}/tasks/first/mark`, {
      token: editor,
      body: { state: 'Succeeded', reason: 'loaded by hand' },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.attempts[0]).toMatchObject({
      taskName: 'first',
      attempt: 2,
      state: 'succeeded',
      reason: 'MarkedSucceeded',
      message: 'marked succeeded by ta-editor: loaded by hand',
    });
    await stream.waitFor((e) => e.event === 'task.marked');
    stream.close();
    const after = await roundEnded(runId, 'succeeded');
    expect(after.attempts.filter((a) => a.taskName === 'second').map((a) => a.state)).toEqual([
      'skipped',
      'succeeded',
    ]);
    expect(h.runtime.calls.filter((c) => c.runId === runId).map((c) => `${c.taskName}#${c.attempt}`)).toEqual(
      ['first#1', 'second#2'],
    );
    expect(await lastAudit('run.task.mark')).toMatchObject({
      actor: 'ta-editor',
      target: runId,
      details: {
        task: 'first',
        state: 'succeeded',
        reason: 'loaded by hand',
        attempt: reply.body.attempts[0]?.id,
      },
    });
  });

  it('marks a succeeded task failed: the run reopens and finishes failed', async () => {
    const runId = await finishedRun('succeeded');
    const reply = await h.request<ActionResult>('POST', `${NS}/runs/${runId}/tasks/second/mark`, {
      token: editor,
      body: { state: 'failed' },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.body.attempts[0]).toMatchObject({ state: 'failed', reason: 'MarkedFailed' });
    const after = await roundEnded(runId, 'failed');
    expect(after.run.reason).toContain('task second failed (MarkedFailed)');
  });

  it('refuses viewers (403), unknown tasks (404) and tasks that are running (409); nothing changes', async () => {
    h.runtime.script({ task: 'first' }, HANG);
    const run = await h.request<{ id: string }>('POST', `${NS}/dags/pair/runs`, { token: editor, body: {} });
    const runId = run.body.id;
    await h.executed(runId, 'first');
    const asViewer = await h.request<Problem>('POST', `${NS}/runs/${runId}/tasks/first/rerun`, {
      token: viewer,
      body: {},
    });
    expect(asViewer.status).toBe(403);
    const markAsViewer = await h.request<Problem>('POST', `${NS}/runs/${runId}/tasks/first/mark`, {
      token: viewer,
      body: { state: 'failed' },
    });
    expect(markAsViewer.status).toBe(403);
    const unknown = await h.request<Problem>('POST', `${NS}/runs/${runId}/tasks/nope/rerun`, {
      token: editor,
      body: {},
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('TASK_NOT_FOUND');
    const running = await h.request<Problem>('POST', `${NS}/runs/${runId}/tasks/first/mark`, {
      token: editor,
      body: { state: 'succeeded' },
    });
    expect(running.status).toBe(409);
    expect(running.headers.get('content-type')).toContain('application/problem+json');
    expect(running.body.code).toBe('TASK_ACTION_REFUSED');
    expect(running.body.detail).toContain('task first is running');
    const notStarted = await h.request<Problem>('POST', `${NS}/runs/${runId}/tasks/second/rerun`, {
      token: editor,
      body: {},
    });
    expect(notStarted.status).toBe(409);
    expect(notStarted.body.detail).toContain('has not run yet');
    const badState = await h.request<Problem>('POST', `${NS}/runs/${runId}/tasks/first/mark`, {
      token: editor,
      body: { state: 'skipped' },
    });
    expect(badState.status).toBe(400);
    const otherNamespace = await h.request<Problem>(
      'POST',
      `${V1}/namespaces/elsewhere/runs/${runId}/tasks/first/rerun`,
      { token: editor, body: {} },
    );
    expect(otherNamespace.status).toBe(404);
    const snapshot = await h.engine.getRun(runId);
    expect(snapshot?.run).toMatchObject({ round: 1, state: 'running' });
    expect(snapshot?.attempts).toHaveLength(2);
    expect(await h.request('POST', `${NS}/runs/${runId}/cancel`, { token: editor })).toMatchObject({
      status: 200,
    });
  });
});
