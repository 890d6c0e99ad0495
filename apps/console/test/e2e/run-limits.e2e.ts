/**
 * Run limits in real Chromium against the real server (docs/run-limits.md): a DAG with maxActiveRuns 1 and
 * a task that sleeps; runs over the limit show as `queued · #n` in the run list and with their place in
 * line in the run view, and start when the run ahead of them is canceled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingBrowser, screenshot, tid, type Session, launchSignedIn } from './browser';
import { serverUnderTest, signInAdmin, TestApi, type RunningServer } from './server';

const skipReason = missingBrowser();
if (skipReason) console.log(`console e2e skipped: ${skipReason}`);

const ADMIN_PASSWORD = 'limits-Admin-password-1';
const DAG = 'one-at-a-time';

interface RunJson {
  id: string;
  state: string;
}

describe.skipIf(skipReason !== null)('run limits in Chromium', () => {
  let server: RunningServer;
  let admin: Session;
  let api: TestApi;

  beforeAll(async () => {
    server = await serverUnderTest();
    api = new TestApi(server.url);
    const password = await signInAdmin(api, server, ADMIN_PASSWORD);
    await api.call('POST', '/api/v1/namespaces/default/dags', {
      name: DAG,
      maxActiveRuns: 1,
      tasks: [{ name: 'nap', image: 'alpine:3.20', command: ['sh', '-c', 'sleep 120'] }],
    });
    admin = await launchSignedIn(server.url, 'admin', password);
  }, 600_000);

  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  it('shows queued runs with their position in the run list and the run view, and starts them in turn', async () => {
    const { page } = admin;
    const trigger = () => api.call<RunJson>('POST', `/api/v1/namespaces/default/dags/${DAG}/runs`, {});
    const first = await trigger();
    const second = await trigger();
    const third = await trigger();
    expect([first.state, second.state, third.state]).toEqual(['running', 'queued', 'queued']);

    await page.goto(`${server.url}/runs`);
    const pill = (id: string) => page.locator(`${tid(`run-row-${id}`)} ${tid('status-pill')}`);
    await expect.poll(() => pill(second.id).textContent(), { timeout: 30_000 }).toMatch(/queued · #1/);
    expect(await pill(third.id).textContent()).toMatch(/queued · #2/);
    expect(await pill(second.id).getAttribute('data-state')).toBe('queued');
    await screenshot(page, 'run-limits-list');

    await page.goto(`${server.url}/namespaces/default/runs/${third.id}`);
    const position = page.locator(tid('run-queue-position'));
    await expect.poll(() => position.textContent(), { timeout: 30_000 }).toMatch(/#2 in line/);
    await screenshot(page, 'run-limits-view');

    // The running run is canceled: the second starts, and the third moves up to the head of the line, on
    // the open page (no reload: the view reads a queued run's place again while it waits).
    await api.call('POST', `/api/v1/namespaces/default/runs/${first.id}/cancel`, {});
    await expect.poll(() => position.textContent(), { timeout: 60_000 }).toMatch(/#1 in line/);
    const second2 = await api.call<{ run: RunJson }>('GET', `/api/v1/namespaces/default/runs/${second.id}`);
    expect(second2.run.state).toBe('running');
  });
});
