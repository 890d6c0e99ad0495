/**
 * Approval tasks in real Chromium against the real server (`scripts/start.mjs`: embedded PostgreSQL, the
 * process runtime): the run view shows a task awaiting approval with Approve / Reject and a comment box;
 * approving lets the run finish, rejecting fails it (docs/approval.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingBrowser, screenshot, tid, type Session, launchSignedIn } from './browser';
import { serverUnderTest, signInAdmin, TestApi, type RunningServer } from './server';

const skipReason = missingBrowser();
if (skipReason) console.log(`console e2e skipped: ${skipReason}`);

const ADMIN_PASSWORD = 'operations-Admin-password-1';
const DAG = 'release-gate';

interface RunDetail {
  run: { id: string; state: string };
  attempts: Array<{ taskName: string; state: string; message: string | null; decidedBy?: string }>;
}

describe.skipIf(skipReason !== null)('approval tasks in Chromium', () => {
  let server: RunningServer;
  let admin: Session;
  let api: TestApi;

  beforeAll(async () => {
    server = await serverUnderTest();
    api = new TestApi(server.url);
    const password = await signInAdmin(api, server, ADMIN_PASSWORD);
    await api.call('POST', '/api/v1/namespaces/default/dags', {
      name: DAG,
      tasks: [
        {
          name: 'sign-off',
          approval: { timeoutSeconds: 3600, onTimeout: 'reject', message: 'Ship it?' },
        },
        { name: 'ship', image: 'alpine:3.20', command: ['sh', '-c', 'echo shipped'], runAfter: ['sign-off'] },
      ],
    });
    admin = await launchSignedIn(server.url, 'admin', password);
  }, 600_000);

  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  async function waitingRun(): Promise<string> {
    const run = await api.call<{ id: string }>('POST', `/api/v1/namespaces/default/dags/${DAG}/runs`, {});
    await expect
      .poll(
        async () =>
          (await api.call<RunDetail>('GET', `/api/v1/namespaces/default/runs/${run.id}`)).attempts.find(
            (a) => a.taskName === 'sign-off',
          )?.state,
        { timeout: 60_000 },
      )
      .toBe('awaiting');
    return run.id;
  }

  it('approves from the run view with a comment, and the run finishes', async () => {
    const { page } = admin;
    const runId = await waitingRun();
    await page.goto(`${server.url}/namespaces/default/runs/${runId}`);
    await page.waitForSelector(tid('approval-sign-off'));
    expect(await page.textContent(tid('approval-sign-off'))).toContain('Ship it?');
    await page.fill(tid('approval-comment-sign-off'), 'looks good');
    await screenshot(page, 'approval-waiting');
    await page.click(tid('approve-sign-off'));
    // The card goes away once the task is decided, and the run finishes.
    await page.waitForSelector(tid('approval-sign-off'), { state: 'detached', timeout: 30_000 });
    await expect
      .poll(
        async () => (await api.call<RunDetail>('GET', `/api/v1/namespaces/default/runs/${runId}`)).run.state,
        {
          timeout: 120_000,
        },
      )
      .toBe('succeeded');
    const detail = await api.call<RunDetail>('GET', `/api/v1/namespaces/default/runs/${runId}`);
    expect(detail.attempts.find((a) => a.taskName === 'sign-off')).toMatchObject({
      state: 'succeeded',
      message: 'looks good',
      decidedBy: 'admin',
    });
  });

  it('rejects from the run view, and the run fails without shipping', async () => {
    const { page } = admin;
    const runId = await waitingRun();
    await page.goto(`${server.url}/namespaces/default/runs/${runId}`);
    await page.click(tid('reject-sign-off'));
    await page.waitForSelector(tid('approval-sign-off'), { state: 'detached', timeout: 30_000 });
    await expect
      .poll(
        async () => (await api.call<RunDetail>('GET', `/api/v1/namespaces/default/runs/${runId}`)).run.state,
        {
          timeout: 120_000,
        },
      )
      .toBe('failed');
    const detail = await api.call<RunDetail>('GET', `/api/v1/namespaces/default/runs/${runId}`);
    expect(detail.attempts.find((a) => a.taskName === 'ship')?.state).toBe('skipped');
  });
});
