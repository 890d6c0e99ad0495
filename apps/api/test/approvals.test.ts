/**
 * Approval tasks over the API and PostgreSQL (docs/approval.md): approve and reject with a comment, who
 * may decide (403), a task that is not waiting (409), the audit row, and the webhook outbox row written
 * when the task starts waiting.
 */
import { randomUUID } from 'node:crypto';
import { createWebhookNotifier } from '@kontroler/plugins';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, SUCCEED, type Harness } from './support/harness.js';

const V1 = '/api/v1';
const NAMESPACE = 'approvals';
const NS = `${V1}/namespaces/${NAMESPACE}`;
let h: Harness;
let editor: string;
let viewer: string;
let admin: string;

interface Attempt {
  id: string;
  taskName: string;
  state: string;
  reason: string | null;
  message: string | null;
  decidedBy?: string;
}
interface Decided {
  run: { id: string; state: string };
  attempt: Attempt;
}
interface Detail {
  run: { id: string; state: string };
  attempts: Attempt[];
  tasks: Array<{
    name: string;
    approval?: { canDecide: boolean; approvers: string[]; message: string | null };
  }>;
}

beforeAll(async () => {
  h = await startHarness({ engine: { notifiers: [createWebhookNotifier()] } });
  editor = (await h.user('ed', [{ role: 'editor', namespace: NAMESPACE }])).token;
  viewer = (await h.user('vi', [{ role: 'viewer', namespace: NAMESPACE }])).token;
  admin = (await h.user('boss', [{ role: 'admin', namespace: NAMESPACE }])).token;
  h.runtime.script({ task: 'deploy' }, SUCCEED);
});
afterAll(async () => {
  await h?.close();
});

/** A run of a fresh approval DAG whose `gate` awaits a decision. */
async function waitingRun(approval: Record<string, unknown> = {}): Promise<string> {
  const name = `gated-${randomUUID().slice(0, 8)}`;
  const doc = {
    name,
    webhook: { url: 'http://127.0.0.1:9/hook' },
    tasks: [
      {
        name: 'gate',
        approval: { timeoutSeconds: 3600, onTimeout: 'reject', message: 'Ship it?', ...approval },
      },
      { name: 'deploy', image: 'alpine', command: ['true'], runAfter: ['gate'] },
    ],
  };
  expect((await h.request('POST', `${NS}/dags`, { token: admin, body: doc })).status).toBe(201);
  const run = await h.request<{ id: string }>('POST', `${NS}/dags/${name}/runs`, { token: admin, body: {} });
  expect(run.status).toBe(201);
  await h.waitForRun(run.body.id, (s) => s.attempts.some((a) => a.state === 'awaiting'));
  return run.body.id;
}

describe('approval tasks over the API', () => {
  it('approves with a comment: the task succeeds, what follows runs, and the decision is audited', async () => {
    const runId = await waitingRun();
    const detail = await h.request<Detail>('GET', `${NS}/runs/${runId}`, { token: editor });
    expect(detail.body.tasks.find((t) => t.name === 'gate')?.approval).toMatchObject({
      canDecide: true,
      approvers: ['editor'],
      message: 'Ship it?',
    });
    expect(detail.body.attempts.find((a) => a.taskName === 'gate')?.state).toBe('awaiting');

    const decided = await h.request<Decided>('POST', `${NS}/runs/${runId}/tasks/gate/approve`, {
      token: editor,
      body: { comment: '  go ahead ' },
    });
    expect(decided.status).toBe(200);
    expect(decided.body.attempt).toMatchObject({
      taskName: 'gate',
      state: 'succeeded',
      reason: 'Approved',
      message: 'go ahead',
      decidedBy: 'ed',
    });
    const finished = await h.waitForRun(runId, 'succeeded');
    expect(finished.attempts.find((a) => a.taskName === 'deploy')?.state).toBe('succeeded');

    const audit = await h.store.sql<{ action: string; actor: string; details: Record<string, unknown> }>(
      `select action, actor, details from audit_log where target = $1 and action like 'task.%'`,
      [runId],
    );
    expect(audit).toEqual([
      {
        action: 'task.approve',
        actor: 'ed',
        details: expect.objectContaining({ namespace: NAMESPACE, task: 'gate', comment: 'go ahead' }),
      },
    ]);
  });

  it('writes the task.awaitingApproval webhook to the outbox when the task starts waiting', async () => {
    const runId = await waitingRun();
    const deliveries = await h.store.listDeliveries(runId);
    const bodies = deliveries.map(
      ({ message }) => (message.payload as { body: { event: string; taskName?: string } }).body,
    );
    const waiting = bodies.filter((b) => b.event === 'task.awaitingApproval');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ taskName: 'gate', status: 'pending', timeoutAt: expect.any(String) });
  });

  // The approval webhook lacked the approval's message and how to act on it.
  it("puts the approval's message, its approvers and a working approve path in the webhook", async () => {
    const runId = await waitingRun({ approvers: ['admin'], message: 'Release 1.2?' });
    const deliveries = await h.store.listDeliveries(runId);
    const body = deliveries
      .map(
        ({ message }) =>
          (message.payload as { body: { event: string; approval?: Record<string, unknown> } }).body,
      )
      .find((b) => b.event === 'task.awaitingApproval');
    expect(body?.approval).toEqual({
      message: 'Release 1.2?',
      approvers: ['admin'],
      timeoutSeconds: 3600,
      onTimeout: 'reject',
      approvePath: `${NS}/runs/${runId}/tasks/gate/approve`,
      rejectPath: `${NS}/runs/${runId}/tasks/gate/reject`,
    });
    // The receiver acts with the path as given.
    const decided = await h.request<Decided>('POST', body!.approval!.approvePath as string, { token: admin });
    expect(decided.status).toBe(200);
    expect(decided.body.attempt).toMatchObject({ state: 'succeeded', reason: 'Approved' });
  });

  it('rejects: the task fails, no retry, the run fails without running what follows', async () => {
    const runId = await waitingRun();
    const decided = await h.request<Decided>('POST', `${NS}/runs/${runId}/tasks/gate/reject`, {
      token: admin,
      body: { comment: 'not today' },
    });
    expect(decided.status).toBe(200);
    expect(decided.body.attempt).toMatchObject({ state: 'failed', reason: 'Rejected', decidedBy: 'boss' });
    const finished = await h.waitForRun(runId, 'failed');
    expect(finished.attempts.filter((a) => a.taskName === 'gate')).toHaveLength(1);
    expect(finished.attempts.find((a) => a.taskName === 'deploy')?.state).toBe('skipped');
    const audit = await h.store.sql<{ action: string }>(
      `select action from audit_log where target = $1 and action like 'task.%'`,
      [runId],
    );
    expect(audit.map((r) => r.action)).toEqual(['task.reject']);
  });

  it('answers 403 to a role the task does not name, and lets a named role decide', async () => {
    const byDefault = await waitingRun();
    const refused = await h.request<{ code: string }>('POST', `${NS}/runs/${byDefault}/tasks/gate/approve`, {
      token: viewer,
      body: {},
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    const viewerDetail = await h.request<Detail>('GET', `${NS}/runs/${byDefault}`, { token: viewer });
    expect(viewerDetail.body.tasks.find((t) => t.name === 'gate')?.approval?.canDecide).toBe(false);

    const adminsOnly = await waitingRun({ approvers: ['admin'] });
    const editorRefused = await h.request('POST', `${NS}/runs/${adminsOnly}/tasks/gate/reject`, {
      token: editor,
      body: {},
    });
    expect(editorRefused.status).toBe(403);

    const viewersMay = await waitingRun({ approvers: ['viewer'] });
    const byViewer = await h.request<Decided>('POST', `${NS}/runs/${viewersMay}/tasks/gate/approve`, {
      token: viewer,
      body: {},
    });
    expect(byViewer.status).toBe(200);
    expect(byViewer.body.attempt.decidedBy).toBe('vi');
    // Nothing was decided by the refused calls.
    const still = await h.request<Detail>('GET', `${NS}/runs/${byDefault}`, { token: viewer });
    expect(still.body.attempts.find((a) => a.taskName === 'gate')?.state).toBe('awaiting');
  });

  it('answers 409 when the task is not waiting, and 404 for a task that is not an approval task', async () => {
    const runId = await waitingRun();
    expect(
      (await h.request('POST', `${NS}/runs/${runId}/tasks/gate/approve`, { token: editor, body: {} })).status,
    ).toBe(200);
    const again = await h.request<{ code: string }>('POST', `${NS}/runs/${runId}/tasks/gate/reject`, {
      token: editor,
      body: {},
    });
    expect([again.status, again.body.code]).toEqual([409, 'APPROVAL_NOT_PENDING']);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    const notApproval = await h.request<{ code: string }>(
      'POST',
      `${NS}/runs/${runId}/tasks/deploy/approve`,
      { token: editor, body: {} },
    );
    expect([notApproval.status, notApproval.body.code]).toEqual([404, 'APPROVAL_TASK_NOT_FOUND']);
    const badComment = await h.request('POST', `${NS}/runs/${runId}/tasks/gate/approve`, {
      token: editor,
      body: { comment: 42 },
    });
    expect(badComment.status).toBe(400);
  });

  it('refuses an approval task that also names an image, naming the field', async () => {
    const saved = await h.request<{ errors?: Array<{ path: string; code: string }> }>('POST', `${NS}/dags`, {
      token: admin,
      body: {
        name: 'bad-gate',
        tasks: [{ name: 'gate', image: 'alpine', approval: { timeoutSeconds: 60, onTimeout: 'approve' } }],
      },
    });
    expect(saved.status).toBe(422);
    expect(JSON.stringify(saved.body)).toContain('INVALID_APPROVAL');
    expect(JSON.stringify(saved.body)).toContain('/tasks/0/image');
  });
});
