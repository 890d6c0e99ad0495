/**
 * Task-level actions in real Chromium against the real server (`scripts/start.mjs`: embedded PostgreSQL,
 * the process runtime): on a finished run, an editor reruns a task with its downstream tasks from the
 * run view's task panel (after a confirm dialog), then marks a task failed with a reason; the run view
 * follows both to the run's new outcome.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Page } from 'playwright-core';
import { missingBrowser, screenshot, tid, type Session, launchSignedIn } from './browser';
import { serverUnderTest, signInAdmin, TestApi, type RunningServer } from './server';

const skipReason = missingBrowser();
if (skipReason) console.log(`console e2e skipped: ${skipReason}`);

const ADMIN_PASSWORD = 'task-actions-Admin-password-1';
const DAG = 'e2e-task-actions';

async function runState(page: Page, states: string[]): Promise<string> {
  const handle = await page.waitForFunction(
    (states) => {
      const s = document.querySelector('[data-testid="run-state"]')?.getAttribute('data-state');
      return s && states.includes(s) ? s : null;
    },
    states,
    { timeout: 60_000, polling: 100 },
  );
  return (await handle.jsonValue()) as string;
}

describe.skipIf(skipReason !== null)('task actions in Chromium', () => {
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
        { name: 'first', image: 'alpine:3.20', command: ['sh', '-c', 'echo first'] },
        { name: 'second', image: 'alpine:3.20', command: ['sh', '-c', 'echo second'], runAfter: ['first'] },
      ],
    });
    admin = await launchSignedIn(server.url, 'admin', password);
    // Building the console and starting the server take minutes on a busy machine.
  }, 600_000);

  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  it('reruns a task with its downstream, then marks a task failed, from the run view', async () => {
    const { page } = admin;
    const run = await api.call<{ id: string }>('POST', `/api/v1/namespaces/default/dags/${DAG}/runs`, {});
    // A failure in the browser alone cannot say whether the engine or the page fell behind: show both sides.
    onTestFailed(async () => {
      const seen = await api
        .call('GET', `/api/v1/namespaces/default/runs/${run.id}`)
        .then((detail) => JSON.stringify(detail), String);
      console.log(`the run as the API has it: ${seen.slice(0, 6000)}`);
      console.log(`server output (end):\n${server.output().slice(-4000)}`);
    });
    await page.goto(`${server.url}/namespaces/default/runs/${run.id}`);
    expect(await runState(page, ['succeeded', 'failed'])).toBe('succeeded');

    await page.click(tid('node-first'));
    await page.waitForSelector(tid('task-actions'));
    await page.click(tid('task-rerun-downstream'));
    await page.waitForSelector(`${tid('task-action-dialog')}[open]`);
    expect(await page.textContent('#task-action-title')).toBe('Rerun first and its downstream tasks?');
    await screenshot(page, 'task-rerun-confirm');
    await page.click(tid('task-action-confirm'));
    await page.click(tid('show-all-attempts'));
    await page.waitForSelector(tid('attempt-second-2'), { timeout: 60_000 });
    expect(await runState(page, ['succeeded'])).toBe('succeeded');
    expect(await page.textContent(tid('attempt-first-2'))).toContain('Completed');
    await screenshot(page, 'task-rerun-done');

    await page.click(tid('node-second'));
    await page.click(tid('task-mark-failed'));
    await page.waitForSelector(`${tid('task-action-dialog')}[open]`);
    await page.fill(tid('task-action-reason'), 'bad data');
    await page.click(tid('task-action-confirm'));
    await page.waitForSelector(tid('attempt-second-3'), { timeout: 60_000 });
    expect(await runState(page, ['failed'])).toBe('failed');
    expect(await page.textContent(tid('attempt-second-3'))).toContain('MarkedFailed');
    expect(await page.getAttribute(tid('node-second'), 'data-state')).toBe('failed');
    await screenshot(page, 'task-marked-failed');

    const audit = await api.call<{ items: Array<{ action: string; details: Record<string, unknown> }> }>(
      'GET',
      '/api/v1/audit?action=run.task.mark&limit=1',
    );
    expect(audit.items[0]?.details).toMatchObject({ task: 'second', state: 'failed', reason: 'bad data' });
  });
});
